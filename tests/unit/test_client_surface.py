"""podclip.client's public surface: configuration, request bodies, typed errors, light import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import podclip.client as client_pkg
from podclip.client import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    IdempotencyError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    PodclipClient,
    RateLimitError,
    ServerError,
)
from podclip.client._base import api_base, error_from, resolve_config, submit_spec

HEAVY = ("torch", "prefect", "duckdb", "transformers", "fastapi", "sqlalchemy", "api", "store")


def test_import_stays_light() -> None:
    code = (
        "import sys, json, podclip.client; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(out.stdout))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert {"httpx", "pydantic"} <= loaded


def test_public_names() -> None:
    for name in client_pkg.__all__:
        assert hasattr(client_pkg, name), name
    for name in ("PodclipClient", "AsyncPodclipClient", "APIError", "Job", "Clip"):
        assert name in client_pkg.__all__


def test_config_from_arguments_env_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODCLIP_API_URL", raising=False)
    monkeypatch.delenv("PODCLIP_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="PODCLIP_API_KEY"):
        resolve_config(None, None)
    assert resolve_config("clk_test_x", None).base_url == "http://127.0.0.1:8000/v1"
    monkeypatch.setenv("PODCLIP_API_KEY", "clk_test_env")
    monkeypatch.setenv("PODCLIP_API_URL", "https://clips.example.com/")
    config = resolve_config(None, None)
    assert (config.api_key, config.base_url) == ("clk_test_env", "https://clips.example.com/v1")
    assert resolve_config("clk_live_arg", "http://h:1").api_key == "clk_live_arg"
    with PodclipClient() as client:
        assert client.base_url == "https://clips.example.com/v1"


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("https://api.example.com/api/v1", "https://api.example.com/api/v1"),
        ("https://example.com/podclip", "https://example.com/podclip/v1"),
    ],
)
def test_api_base(url: str, base: str) -> None:
    assert api_base(url) == base


@pytest.mark.parametrize("url", ["ftp://h/", "127.0.0.1:8000", "http://", ""])
def test_api_base_refuses_non_http(url: str) -> None:
    with pytest.raises(ConfigurationError):
        api_base(url)


def _spec(**kw: object) -> dict[str, object]:
    args: dict[str, object] = dict(
        source_type=None, file=None, show_name=None, guest_name=None, description=None,
        platforms=None, include_trailer=None, caption_style=None, clip_count=None,
        idempotency_key=None,
    )  # fmt: skip
    args.update(kw)
    url = args.pop("source_url", None)
    spec = submit_spec(url, **args)  # type: ignore[arg-type]
    return {"json": spec.json, "data": spec.data, "headers": spec.headers, "upload": spec.upload}


def test_submit_bodies(tmp_path: Path) -> None:
    klipit = _spec(source_url="https://e.com/a.mp3", platforms=["tiktok"], show_name="S")
    assert klipit["json"] == {"source_url": "https://e.com/a.mp3", "show_name": "S",
                              "platforms": ["tiktok"]}  # fmt: skip
    headers = klipit["headers"]
    assert isinstance(headers, dict) and 8 <= len(headers["Idempotency-Key"]) <= 255
    clypt = _spec(
        source_url="https://e.com/v.mp4", source_type="video_url", include_trailer=True,
        clip_count=5, idempotency_key="my-key-123",
    )  # fmt: skip
    assert clypt["json"] == {
        "source": {"type": "video_url", "url": "https://e.com/v.mp4"},
        "options": {"include_trailer": True, "clip_count": 5},
    }
    assert clypt["headers"] == {"Idempotency-Key": "my-key-123"}
    episode = tmp_path / "ep.mp3"
    episode.write_bytes(b"ID3")
    upload = _spec(file=episode, platforms=["tiktok", "x"], clip_count=4, guest_name="G")
    assert upload["upload"] == episode and upload["json"] is None
    assert upload["data"] == {"guest_name": "G", "platforms": "tiktok,x",
                              "options": '{"clip_count": 4}'}  # fmt: skip
    with pytest.raises(ValueError, match="exactly one"):
        _spec()
    with pytest.raises(ValueError, match="No such file"):
        _spec(file=tmp_path / "missing.mp3")


def _response(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"x-request-id": "req_h", **headers})


def _envelope(kind: str, code: str, param: str | None = None) -> dict[str, object]:
    return {"error": {"type": kind, "code": code, "message": f"m {code}", "param": param,
                      "request_id": "req_body"}}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "kind", "code", "cls"),
    [
        (400, "invalid_request_error", "invalid_source_url", InvalidRequestError),
        (404, "invalid_request_error", "not_found", NotFoundError),
        (401, "authentication_error", "invalid_api_key", AuthenticationError),
        (403, "authentication_error", "insufficient_scope", PermissionDeniedError),
        (409, "idempotency_error", "idempotency_key_reused_with_different_body", IdempotencyError),
        (500, "api_error", "internal_error", ServerError),
    ],
)
def test_envelopes_become_typed_errors(
    status: int, kind: str, code: str, cls: type[APIError]
) -> None:
    error = error_from(_response(status, _envelope(kind, code, "source.url")))
    assert type(error) is cls
    assert (error.status, error.type, error.code, error.param) == (status, kind, code, "source.url")
    assert error.request_id == "req_body" and error.message == f"m {code}"
    assert code in str(error) and "req_body" in str(error)


def test_rate_limit_and_non_envelope_errors() -> None:
    limited = error_from(
        _response(429, _envelope("rate_limit_error", "too_many_requests"), **{"Retry-After": "4"})
    )
    assert isinstance(limited, RateLimitError) and limited.retry_after == 4.0
    gateway = error_from(httpx.Response(502, text="<html>bad gateway</html>"))
    assert isinstance(gateway, ServerError) and gateway.code == "http_502"
    assert "bad gateway" in gateway.message and gateway.request_id is None


def test_verify_signature_is_re_exported() -> None:
    import base64
    import hashlib
    import hmac
    import time

    from podclip.client import SignatureVerificationError, verify_signature

    key = b"k" * 32
    secret = "whsec_" + base64.b64encode(key).decode()
    body = b'{"type": "job.completed"}'
    stamp = int(time.time())
    digest = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert verify_signature(body, f"t={stamp},v1={digest}", secret) == {"type": "job.completed"}
    with pytest.raises(SignatureVerificationError):
        verify_signature(body + b" ", f"t={stamp},v1={digest}", secret)
