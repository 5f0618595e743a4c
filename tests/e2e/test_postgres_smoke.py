"""One pass over every route family on each database: the e2e suite itself runs on SQLite.

Where the database matters (the store tests) everything runs on both; here each family of
routes is exercised once more, end to end, against the shared server on PostgreSQL.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.helpers import ApiServer

pytestmark = [pytest.mark.network, pytest.mark.both_databases]


def test_every_route_family_once(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("test")
    # Jobs: submit, get, list; the sandbox finishes it on its clock.
    submitted = client.post(
        "/v1/jobs",
        json={"source": {"type": "audio_url", "url": "https://example.com/smoke.mp3"}},
        headers={**headers, "Idempotency-Key": "smoke-key-0001"},
    )
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    again = client.post(
        "/v1/jobs",
        json={"source": {"type": "audio_url", "url": "https://example.com/smoke.mp3"}},
        headers={**headers, "Idempotency-Key": "smoke-key-0001"},
    )
    assert again.json()["id"] == job_id
    deadline = time.monotonic() + 60
    job = submitted.json()
    while job["status"] not in ("complete", "failed"):
        assert time.monotonic() < deadline, job["status"]
        time.sleep(0.3)
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
    assert job["status"] == "complete"
    assert job_id in [j["id"] for j in client.get("/v1/jobs", headers=headers).json()["data"]]
    # Clips (Klipit's route) and an export.
    clips = client.get(f"/api/v1/jobs/{job_id}/clips", headers=headers)
    assert clips.status_code == 200, clips.text
    exported = client.post(f"/v1/jobs/{job_id}/export", json={}, headers=headers)
    assert exported.status_code in (200, 201, 202), exported.text
    # Webhooks: create, list, delete.
    hook = client.post(
        "/v1/webhooks",
        json={"url": "https://example.com/hook", "events": ["job.completed"]},
        headers=headers,
    )
    assert hook.status_code in (200, 201), hook.text
    hook_id = hook.json()["id"]
    assert hook_id in [w["id"] for w in client.get("/v1/webhooks", headers=headers).json()["data"]]
    assert client.delete(f"/v1/webhooks/{hook_id}", headers=headers).status_code in (200, 204)
    # Feeds: list (registering one fetches nothing in the sandbox).
    assert client.get("/v1/feeds", headers=headers).status_code == 200
    # Account.
    account = client.get("/v1/account", headers=headers)
    assert account.status_code == 200, account.text
    # Rate-limit headers and the error envelope on a miss.
    missing = client.get("/v1/jobs/job_missing", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
