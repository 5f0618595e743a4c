"""Klipit (000_986de8da172a8bc5.txt, served under ``/api/v1``): the document's sentences that the
other e2e files do not already check, each test quoting the sentence it holds us to.

The map from every behavioural sentence to its test is in ``docs/api.md`` ("Conformance").
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import ApiServer, poll_job

pytestmark = pytest.mark.network
KLIPIT_STATUSES = {"queued", "transcribing", "clipping", "complete", "failed"}
MOMENT_TYPES = {
    "bold_prediction", "contrarian_take", "emotional_story", "how_to", "quotable_one_liner",
    "host_guest_debate", "strong_opinion", "founder_reveal",
}  # fmt: skip
CLIP_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str, "moment_type": str, "shareability_score": int, "reason": str,
    "hook_suggestion": str, "start_seconds": (int, float), "end_seconds": (int, float),
    "duration_seconds": (int, float), "media_url": str,
}  # fmt: skip
PLATFORMS = ("tiktok", "reels", "shorts", "linkedin", "twitter")


def _submit(client: httpx.Client, server: ApiServer, **body: Any) -> dict[str, Any]:
    payload = {"source_url": "https://youtube.com/watch?v=dQw4w9WgXcQ", **body}
    response = client.post("/api/v1/jobs", json=payload, headers=server.headers("test"))
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


def test_agent_quickstart(api_server: ApiServer, client: httpx.Client) -> None:
    """000: "Agent quickstart": submit an episode (source_url and the optional fields), poll every
    few seconds until complete, read the clips sorted by score."""
    headers = api_server.headers("test")
    submitted = _submit(
        client,
        api_server,
        source_url="https://example.com/founders.mp3",
        show_name="The Founders Podcast",
        guest_name="Jane Creator",
        description="Episode about AI...",
        platforms=["tiktok", "reels"],
    )
    # Response: {"id": "job_…", "status": "queued", "created_at": "…Z"}.
    assert submitted["id"].startswith("job_") and submitted["status"] == "queued"
    assert submitted["created_at"].endswith("Z")
    assert (submitted["show_name"], submitted["guest_name"]) == (
        "The Founders Podcast",
        "Jane Creator",
    )
    assert submitted["description"] == "Episode about AI..." and submitted["platforms"] == [
        "tiktok",
        "reels",
    ]
    # "Poll for job status. Status values: queued · transcribing · clipping · complete · failed."
    job, seen = submitted, [submitted["status"]]
    deadline = time.monotonic() + 20
    while job["status"] not in ("complete", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()
        seen.append(job["status"])
    assert set(seen) <= KLIPIT_STATUSES and job["status"] == "complete"
    assert {"transcribing", "clipping"} & set(seen), seen  # 0.5 s steps, polled every 0.1 s
    for name in ("id", "status", "clip_count", "duration_seconds", "created_at", "completed_at"):
        assert name in job
    assert job["clip_count"] == 3 and job["duration_seconds"] > 0
    assert job["completed_at"].endswith("Z")
    # "List all clips for a completed job, sorted by shareability_score descending."
    clips = client.get(f"/api/v1/jobs/{job['id']}/clips", headers=headers).json()["clips"]
    assert len(clips) == job["clip_count"]
    scores = [c["shareability_score"] for c in clips]
    assert scores == sorted(scores, reverse=True)
    for clip in clips:
        for name, kind in CLIP_FIELDS.items():
            assert isinstance(clip[name], kind), (name, clip[name])
        assert clip["id"].startswith("clip_") and clip["moment_type"] in MOMENT_TYPES
        assert 0 <= clip["shareability_score"] <= 100
        assert clip["duration_seconds"] == pytest.approx(
            clip["end_seconds"] - clip["start_seconds"]
        )
        media = client.get(clip["media_url"])
        assert media.status_code == 200 and media.content[4:8] == b"ftyp"


def test_failed_jobs_say_so_in_klipits_words(api_server: ApiServer, client: httpx.Client) -> None:
    """000: "job.failed — Job processing failed — check error field": a failed job carries error."""
    job = _submit(client, api_server, source_url="https://example.com/will-fail.mp3")
    done: Any = poll_job(
        client, job["id"], api_server.headers("test"), timeout=20, prefix="/api/v1"
    )
    assert done["status"] == "failed"
    assert done["error"]["code"] == "transcription_failed" and done["error"]["message"]


@pytest.mark.parametrize("fmt", ["mp4", "zip"])
def test_export_every_platform(api_server: ApiServer, client: httpx.Client, fmt: str) -> None:
    """000: "Trigger a batch export of all clips. Returns a download URL when ready." Format
    mp4 | zip, platform tiktok | reels | shorts | linkedin | twitter; the response has
    export_url and expires_at."""
    headers = api_server.headers("test")
    job = _submit(client, api_server, source_url="https://example.com/export.mp3")
    poll_job(client, job["id"], headers, timeout=20, prefix="/api/v1")
    for platform in PLATFORMS:
        response = client.post(
            f"/api/v1/jobs/{job['id']}/export",
            json={"format": fmt, "platform": platform},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        export = response.json()
        assert export["expires_at"].endswith("Z") and export["format"] == fmt
        download = client.get(export["export_url"])
        assert download.status_code == 200 and download.content
        assert download.content[:2] == b"PK" if fmt == "zip" else download.content[4:8] == b"ftyp"


def test_scopes_guard_their_routes(api_server: ApiServer, client: httpx.Client) -> None:
    """000: "API key scopes": a key holds only what its scopes allow, under /api/v1 too."""
    job = _submit(client, api_server)
    cases = {
        "jobs:create": ("POST", "/api/v1/jobs", {"source_url": "https://example.com/s.mp3"}),
        "jobs:read": ("GET", f"/api/v1/jobs/{job['id']}", None),
        "clips:read": ("GET", f"/api/v1/jobs/{job['id']}/clips", None),
        "exports:create": ("POST", f"/api/v1/jobs/{job['id']}/export", {"format": "mp4"}),
        "account:read": ("GET", "/api/v1/account", None),
        "webhooks:*": ("GET", "/api/v1/webhooks", None),
    }
    for scope, (method, path, body) in cases.items():
        others = [s for s in cases if s != scope]
        lacking = api_server.create_key("test", *others, name=f"no-{scope}")
        response = client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {lacking}"}
        )
        assert response.status_code == 403, (scope, response.text)
        assert response.json()["error"]["code"] == "insufficient_scope"
        allowed = client.request(method, path, json=body, headers=api_server.headers("test"))
        assert allowed.status_code != 403, (scope, allowed.text)


def test_account_reads_profile_and_credit_balance(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """000: "account:read — Read profile and credit balance."."""
    account = client.get("/api/v1/account", headers=api_server.headers("test"))
    assert account.status_code == 200, account.text
    body = account.json()
    assert "credit_balance" in body and body["environment"] == "test"
