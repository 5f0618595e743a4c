"""What the sync and async clients share: configuration, request bodies, response parsing.

Nothing here does I/O, so both clients run the same code and differ only in how they wait.
"""

from __future__ import annotations

import json
import mimetypes
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from podclip.client.backoff import Backoff, retry_after_of, should_retry
from podclip.client.errors import APIError, ConfigurationError, RateLimitError, error_class

ENV_API_URL = "PODCLIP_API_URL"
ENV_API_KEY = "PODCLIP_API_KEY"
DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RETRIES = 2
# Between repeats of a refused or lost request when the server names no Retry-After.
DEFAULT_RETRY_BACKOFF = Backoff(initial=0.5, factor=2.0, maximum=8.0)
MAX_RETRY_AFTER_SECONDS = 60.0
USER_AGENT = "podclip-python"

SourceType = Literal["video_url", "audio_url", "rss_feed_url", "youtube_url"]
ExportFormat = Literal["mp4", "zip"]
# Called with (bytes so far, total bytes or None) while a download runs.
ProgressFn = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Config:
    """A resolved client configuration: the ``/v1`` base URL and the key."""

    base_url: str
    api_key: str


def resolve_config(api_key: str | None, base_url: str | None) -> Config:
    """Arguments first, then ``PODCLIP_API_KEY`` / ``PODCLIP_API_URL``, then the default URL."""
    key = api_key or os.environ.get(ENV_API_KEY, "").strip()
    if not key:
        raise ConfigurationError(f"No API key: set {ENV_API_KEY} or pass the key explicitly.")
    url = base_url or os.environ.get(ENV_API_URL, "").strip() or DEFAULT_API_URL
    return Config(base_url=api_base(url), api_key=key)


def api_base(url: str) -> str:
    """``http://host:port`` → ``http://host:port/v1``; a URL already ending in ``/v1`` (such
    as ``…/api/v1``) is kept."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"The API URL must be http(s)://host[:port], not {url!r}.")
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path = f"{path}/v1"
    return f"{parts.scheme}://{parts.netloc}{path}"


def auth_headers(config: Config) -> dict[str, str]:
    # Sent per request, never as client defaults, so signed media downloads (which may live on
    # another host) never carry the key.
    return {"Authorization": f"Bearer {config.api_key}"}


def new_idempotency_key() -> str:
    return f"podclip-{uuid.uuid4().hex}"


@dataclass
class RequestSpec:
    """One API request, ready for either client's ``_request``."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    data: dict[str, str] | None = None
    upload: Path | None = None
    headers: dict[str, str] = field(default_factory=dict)


def submit_spec(
    source_url: str | None,
    *,
    source_type: SourceType | None,
    file: str | os.PathLike[str] | None,
    show_name: str | None,
    guest_name: str | None,
    description: str | None,
    platforms: Sequence[str] | None,
    include_trailer: bool | None,
    caption_style: str | None,
    clip_count: int | None,
    idempotency_key: str | None,
) -> RequestSpec:
    """``POST /jobs``: JSON for a URL, multipart for a local ``file``; never both."""
    if (source_url is None) == (file is None):
        raise ValueError("Pass exactly one of source_url and file.")
    options: dict[str, Any] = {}
    if include_trailer is not None:
        options["include_trailer"] = include_trailer
    if caption_style is not None:
        options["caption_style"] = caption_style
    if clip_count is not None:
        options["clip_count"] = clip_count
    texts = {"show_name": show_name, "guest_name": guest_name, "description": description}
    headers = {"Idempotency-Key": idempotency_key or new_idempotency_key()}
    if file is not None:
        path = Path(file)
        if not path.is_file():
            raise ValueError(f"No such file: {path}")
        data = {k: v for k, v in texts.items() if v is not None}
        if platforms:
            data["platforms"] = ",".join(platforms)
        if options:
            data["options"] = json.dumps(options)
        return RequestSpec("POST", "/jobs", data=data, upload=path, headers=headers)
    assert source_url is not None
    body: dict[str, Any] = (
        {"source": {"type": source_type, "url": source_url}}
        if source_type
        else {"source_url": source_url}
    )
    body.update({k: v for k, v in texts.items() if v is not None})
    if platforms:
        body["platforms"] = list(platforms)
    if options:
        body["options"] = options
    return RequestSpec("POST", "/jobs", json=body, headers=headers)


def export_spec(
    job_id: str, *, format: ExportFormat, platform: str | None, preset: str | None
) -> RequestSpec:
    body: dict[str, Any] = {"format": format}
    if platform is not None:
        body["platform"] = platform
    if preset is not None:
        body["preset"] = preset
    return RequestSpec("POST", f"/jobs/{job_path(job_id)}/export", json=body)


def list_params(limit: int | None, starting_after: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if limit is not None:
        params["limit"] = limit
    if starting_after is not None:
        params["starting_after"] = starting_after
    return params


def job_path(job_id: str) -> str:
    """The job id as one path segment (a ``/`` or ``..`` in it cannot reach another route)."""
    if not job_id or "/" in job_id or job_id in (".", ".."):
        raise ValueError(f"Not a job id: {job_id!r}")
    return job_id


def upload_part(path: Path) -> tuple[str, str]:
    """``(filename, content type)`` for a multipart file part."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.name, kind


def error_from(response: httpx.Response) -> APIError:
    """The typed exception for an error response (envelope or not)."""
    headers = dict(response.headers)
    request_id = response.headers.get("x-request-id")
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    detail = body.get("error") if isinstance(body, dict) else None
    if isinstance(detail, dict) and "code" in detail:
        code = str(detail.get("code"))
        kind = str(detail.get("type") or "api_error")
        message = str(detail.get("message") or code)
        param = detail.get("param")
        request_id = str(detail.get("request_id") or request_id or "") or None
    else:
        code = f"http_{response.status_code}"
        kind = "api_error" if response.status_code >= 500 else "invalid_request_error"
        try:
            text = response.text.strip()[:200]
        except httpx.ResponseNotRead:
            text = ""
        message = f"HTTP {response.status_code} without an error envelope" + (
            f": {text}" if text else "."
        )
        param = None
    cls = error_class(response.status_code, kind, code)
    fields: dict[str, Any] = {
        "status": response.status_code,
        "code": code,
        "type": kind,
        "param": param if isinstance(param, str) else None,
        "request_id": request_id,
        "headers": headers,
        "body": body,
    }
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=retry_after_of(response.headers), **fields)
    return cls(message, **fields)


def retry_delay(error: APIError, fallback: float) -> float | None:
    """Seconds to wait before repeating a refused request, or None if it is not worth it."""
    if not should_retry(error.status, error.code):
        return None
    after = retry_after_of(error.headers)
    if after is None:
        return fallback
    # A long wait is the caller's decision (the error carries retry_after), not a silent sleep.
    return after if after <= MAX_RETRY_AFTER_SECONDS else None


def json_of(response: httpx.Response) -> Mapping[str, Any]:
    """The JSON object of a 2xx response."""
    try:
        body = response.json()
    except ValueError as exc:
        raise error_from_body(response, "The response is not JSON.") from exc
    if not isinstance(body, dict):
        raise error_from_body(response, "The response is not a JSON object.")
    return body


def error_from_body(response: httpx.Response, message: str) -> APIError:
    from podclip.client.errors import ServerError

    return ServerError(
        message,
        status=response.status_code,
        code="invalid_response",
        type="api_error",
        request_id=response.headers.get("x-request-id"),
        headers=dict(response.headers),
    )


def review_spec(clip_id: str, action: str, reason: str | None) -> RequestSpec:
    """``POST /clips/{id}/review``: ``approve`` or ``reject`` with an optional reason."""
    if action not in ("approve", "reject"):
        raise ValueError("action must be 'approve' or 'reject'")
    body: dict[str, Any] = {"action": action}
    if reason is not None:
        body["reason"] = reason
    return RequestSpec("POST", f"/clips/{job_path(clip_id)}/review", json=body)


def update_clip_spec(
    clip_id: str,
    *,
    start: float | None = None,
    end: float | None = None,
    caption_fixes: Sequence[dict[str, Any]] | None = None,
    caption_style: str | None = None,
    preset: str | None = None,
    platforms: Sequence[str] | None = None,
) -> RequestSpec:
    """``PATCH /clips/{id}`` with only the fields given."""
    given = {
        "start": start,
        "end": end,
        "caption_fixes": None if caption_fixes is None else list(caption_fixes),
        "caption_style": caption_style,
        "preset": preset,
        "platforms": None if platforms is None else list(platforms),
    }
    body = {k: v for k, v in given.items() if v is not None}
    if not body:
        raise ValueError("update_clip needs at least one change")
    return RequestSpec("PATCH", f"/clips/{job_path(clip_id)}", json=body)


def create_clip_spec(job_id: str, start: float, end: float) -> RequestSpec:
    """``POST /jobs/{id}/clips``: a clip from ``start``..``end`` seconds."""
    return RequestSpec("POST", f"/jobs/{job_path(job_id)}/clips", json={"start": start, "end": end})
