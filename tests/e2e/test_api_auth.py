"""Authentication and scopes over HTTP, each refusal with its documented code."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network


def _error(response: httpx.Response, status: int, code: str, type_: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"].startswith("req_")
    error: dict[str, object] = response.json()["error"]
    assert set(error) == {"type", "code", "message", "param", "request_id"}
    assert (error["code"], error["type"]) == (code, type_)
    assert error["request_id"] == response.headers["x-request-id"]
    return error


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_authorization"),
        ("", "missing_authorization"),
        ("Basic dXNlcjpwYXNz", "invalid_api_key_format"),
        ("Bearer", "invalid_api_key_format"),
        ("Bearer klipit_sk_abcdefghijklmnopqrstuv", "invalid_api_key_format"),
        ("Bearer clk_prod_abcdefghijklmnopqrstuvwxyz012345", "invalid_api_key_format"),
        ("Bearer clk_live_abcdefghijklmnopqrstuvwxyz012345", "invalid_api_key"),
        ("Bearer clk_test_", "invalid_api_key_format"),
    ],
)
def test_refused_keys(client: httpx.Client, header: str | None, code: str) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/v1/jobs", headers=headers)
    _error(response, 401, code, "authentication_error")
    assert "x-ratelimit-limit" not in response.headers


def test_revoked_key(api_server: ApiServer, client: httpx.Client) -> None:
    key = api_server.create_key("test", name="to-revoke")
    assert client.get("/v1/jobs", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listed = api_server.cli("keys", "list", "--json")
    import json

    (row,) = [k for k in json.loads(listed) if k["name"] == "to-revoke"]
    assert row["last_used_at"] is not None and key.startswith(row["prefix"])
    api_server.cli("keys", "revoke", row["id"])
    response = client.get("/v1/jobs", headers={"Authorization": f"Bearer {key}"})
    _error(response, 401, "api_key_revoked", "authentication_error")


def test_prefix_must_match_stored_environment(api_server: ApiServer, client: httpx.Client) -> None:
    test_key = api_server.key("test")
    as_live = "clk_live_" + test_key.removeprefix("clk_test_")
    response = client.get("/v1/jobs", headers={"Authorization": f"Bearer {as_live}"})
    _error(response, 401, "invalid_api_key", "authentication_error")
    live_key = api_server.key("live")
    as_test = "clk_test_" + live_key.removeprefix("clk_live_")
    response = client.get("/v1/jobs", headers={"Authorization": f"Bearer {as_test}"})
    _error(response, 401, "invalid_api_key", "authentication_error")


def test_scopes_are_enforced_per_route(api_server: ApiServer, client: httpx.Client) -> None:
    reader = api_server.create_key("test", "jobs:read")
    headers = {"Authorization": f"Bearer {reader}"}
    assert client.get("/v1/jobs", headers=headers).status_code == 200
    body = {"source_url": "https://example.com/a.mp3"}
    denied = client.post("/v1/jobs", json=body, headers=headers)
    error = _error(denied, 403, "insufficient_scope", "authentication_error")
    assert "jobs:create" in str(error["message"])
    assert denied.headers["x-ratelimit-limit"]  # authenticated: rate-limit headers present
    _error(
        client.get("/v1/account", headers=headers),
        403,
        "insufficient_scope",
        "authentication_error",
    )

    job = client.post("/v1/jobs", json=body, headers=api_server.headers("test")).json()
    clips = client.get(f"/v1/jobs/{job['id']}/clips", headers=headers)
    _error(clips, 403, "insufficient_scope", "authentication_error")
    export = client.post(f"/v1/jobs/{job['id']}/export", json={"format": "zip"}, headers=headers)
    _error(export, 403, "insufficient_scope", "authentication_error")

    family = api_server.create_key("test", "jobs:*", "clips:read")
    family_headers = {"Authorization": f"Bearer {family}"}
    assert client.post("/v1/jobs", json=body, headers=family_headers).status_code == 202
    assert client.get(f"/v1/jobs/{job['id']}/clips", headers=family_headers).status_code == 200


def test_account(api_server: ApiServer, client: httpx.Client) -> None:
    response = client.get("/v1/account", headers=api_server.headers("live"))
    assert response.status_code == 200
    account = response.json()
    assert account["object"] == "account" and account["environment"] == "live"
    assert account["credits"] == {"unlimited": True, "remaining": None}
    assert isinstance(account["minutes_used"], float)
    assert account["api_key"]["prefix"].startswith("clk_live_")
    assert "hash" not in account["api_key"]
