"""Every malformed request gets its documented code in the error envelope."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network


def _assert_error(response: httpx.Response, status: int, code: str, param: str | None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param), error
    assert error["type"] in ("invalid_request_error", "authentication_error", "api_error")
    assert error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("content", "code", "param"),
    [
        (b"{not json", "invalid_json", None),
        (b"", "invalid_json", None),
        (b"[1, 2]", "invalid_body", None),
        (b'"a string"', "invalid_body", None),
        (b"{}", "missing_parameter", "source"),
        (b'{"source": {"type": "tiktok_url", "url": "https://e.com/a"}}', "invalid_source_type",
         "source.type"),
        (b'{"source": {"url": "https://e.com/a.mp3"}}', "invalid_source_type", "source.type"),
        (b'{"source": "https://e.com/a.mp3"}', "invalid_parameter", "source"),
        (b'{"source": {"type": "audio_url", "url": "ftp://e.com/a.mp3"}}', "invalid_source_url",
         "source.url"),
        (b'{"source": {"type": "audio_url", "url": "https://"}}', "invalid_source_url",
         "source.url"),
        (b'{"source": {"type": "audio_url"}}', "invalid_source_url", "source.url"),
        (b'{"source": {"type": "youtube_url", "url": "https://vimeo.com/1"}}',
         "invalid_source_url", "source.url"),
        (b'{"source_url": "javascript:alert(1)"}', "invalid_source_url", "source_url"),
        (b'{"source_url": 42}', "invalid_source_url", "source_url"),
        (b'{"source": {"type": "audio_url", "url": "https://e.com/a.mp3"},'
         b' "options": {"include_trailer": true}}', "trailer_not_supported_for_source",
         "options.include_trailer"),
        (b'{"source": {"type": "rss_feed_url", "url": "https://e.com/feed.xml"},'
         b' "options": {"include_trailer": true}}', "trailer_not_supported_for_source",
         "options.include_trailer"),
        (b'{"source_url": "https://e.com/a.mp3", "options": {"include_trailer": true}}',
         "trailer_not_supported_for_source", "options.include_trailer"),
        (b'{"source_url": "https://e.com/a.mp3", "options": {"include_trailer": "yes"}}',
         "invalid_parameter", "options.include_trailer"),
        (b'{"source_url": "https://e.com/a.mp3", "options": []}', "invalid_parameter", "options"),
        (b'{"source_url": "https://e.com/a.mp3", "platforms": ["myspace"]}', "invalid_parameter",
         "platforms"),
        (b'{"source_url": "https://e.com/a.mp3", "show_name": 7}', "invalid_parameter",
         "show_name"),
    ],
)  # fmt: skip
def test_submit_body_errors(
    api_server: ApiServer, client: httpx.Client, content: bytes, code: str, param: str | None
) -> None:
    headers = api_server.headers("test", **{"Content-Type": "application/json"})
    _assert_error(client.post("/v1/jobs", content=content, headers=headers), 400, code, param)


def test_framework_errors_use_the_envelope(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("test")
    _assert_error(client.get("/v1/nothing-here", headers=headers), 404, "not_found", None)
    _assert_error(client.get("/", headers=headers), 404, "not_found", None)
    _assert_error(client.delete("/v1/jobs", headers=headers), 405, "method_not_allowed", None)
    _assert_error(client.put("/api/v1/jobs/x", headers=headers), 405, "method_not_allowed", None)
    _assert_error(client.get("/v1/jobs/job_nope", headers=headers), 404, "not_found", "id")
    _assert_error(client.get("/v1/jobs/job_nope/clips", headers=headers), 404, "not_found", "id")
    _assert_error(
        client.get("/v1/jobs?limit=0", headers=headers), 400, "invalid_parameter", "limit"
    )
    _assert_error(
        client.get("/v1/jobs?limit=abc", headers=headers), 400, "invalid_parameter", "limit"
    )
    _assert_error(client.get("/v1/media/forged.token"), 404, "not_found", "token")


def test_export_errors(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("test")
    body = {"source_url": "https://example.com/a.mp3"}
    job = client.post("/v1/jobs", json=body, headers=headers).json()
    url = f"/v1/jobs/{job['id']}/export"
    _assert_error(client.post(url, json={"format": "gif"}, headers=headers), 400,
                  "invalid_parameter", "format")  # fmt: skip
    _assert_error(client.post(url, json={"platform": "myspace"}, headers=headers), 400,
                  "invalid_parameter", "platform")  # fmt: skip
    bad_json = {**headers, "Content-Type": "application/json"}
    _assert_error(client.post(url, content=b"{", headers=bad_json), 400, "invalid_json", None)
    _assert_error(client.post(url, content=b"[]", headers=bad_json), 400, "invalid_body", None)
    # Sandbox steps are 0.5 s: the job is still queued right after submit.
    _assert_error(client.post(url, json={"format": "zip"}, headers=headers), 409,
                  "job_not_complete", "id")  # fmt: skip
