"""The Clypt (doc 003) sandbox quickstart, step by step, and the sandbox's outcome table."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import ApiServer, poll_job

pytestmark = pytest.mark.network

CLIP_FIELDS = {
    "id": str,
    "rank": int,
    "category": str,
    "moment_type": str,
    "shareability_score": int,
    "reason": str,
    "hook": str,
    "hook_suggestion": str,
    "pull_quote": str,
    "start_time": float,
    "end_time": float,
    "duration_seconds": float,
    "start": float,
    "end": float,
    "duration": float,
    "start_seconds": float,
    "end_seconds": float,
    "rendered_urls": dict,
    "media_url": str,
    "transcript_text": str,
}


def _submit(http: httpx.Client, server: ApiServer, body: object, **headers: str) -> httpx.Response:
    return http.post("/v1/jobs", json=body, headers=server.headers("test", **headers))


def test_quickstart_audio_url(api_server: ApiServer, client: httpx.Client) -> None:
    # 1. Submit.
    body = {"source": {"type": "audio_url", "url": "https://example.com/episode.mp3"}}
    response = client.post("/api/v1/jobs", json=body, headers=api_server.headers("test"))
    assert response.status_code == 202, response.text
    assert response.headers["x-request-id"].startswith("req_")
    job = response.json()
    assert job["id"].startswith("job_")
    assert job["object"] == "job"
    assert job["status"] == "queued"
    assert job["source"] == {"type": "audio_url", "url": "https://example.com/episode.mp3"}
    assert job["options"] == {}
    assert job["completed_at"] is None and job["output"] is None and job["error"] is None
    assert job["created_at"].endswith("Z")

    # 2. Poll until complete (0.5 s sandbox steps: three steps, bounded at 20 s).
    seen = {job["status"]}
    deadline = time.monotonic() + 20
    while job["status"] not in ("complete", "failed"):
        assert time.monotonic() < deadline, f"still {job['status']}"
        time.sleep(0.2)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=api_server.headers("test")).json()
        seen.add(job["status"])
    assert job["status"] == "complete"
    assert seen <= {"queued", "transcribing", "clipping", "complete"}

    # 3. The fixture output, field by field.
    assert job["error"] is None and job["completed_at"].endswith("Z")
    assert job["clip_count"] == 3
    output = job["output"]
    assert set(output) == {"clips", "trailer", "guest_share_url", "show_notes", "transcript"}
    clips = output["clips"]
    assert [c["rank"] for c in clips] == [1, 2, 3]
    assert [c["shareability_score"] for c in clips] == sorted(
        (c["shareability_score"] for c in clips), reverse=True
    )
    for clip in clips:
        for name, kind in CLIP_FIELDS.items():
            assert isinstance(clip[name], kind), (name, clip[name])
        assert clip["id"].startswith("clip_")
        assert clip["hook"] == clip["hook_suggestion"]
        assert clip["start_time"] == clip["start"] == clip["start_seconds"]
        assert clip["end_time"] == clip["end"] == clip["end_seconds"]
        assert clip["duration_seconds"] == pytest.approx(clip["end_time"] - clip["start_time"])
        assert clip["pull_quote"] in clip["transcript_text"] or clip["pull_quote"]
        assert {"linkedin", "x", "tiktok"} <= set(clip["rendered_urls"])
    assert output["trailer"] is None  # audio sources get no trailer
    assert output["show_notes"].startswith("# ")
    assert output["transcript"] and all(
        set(s) == {"speaker", "start", "end", "text"} for s in output["transcript"]
    )

    # The transitions were written once each, through job_events.
    with api_server.db() as db:
        events = [r["status"] for r in db.execute(
            "SELECT status FROM job_events WHERE job_id = ? ORDER BY id", (job["id"],)
        )]  # fmt: skip
    assert events == ["queued", "transcribing", "clipping", "complete"]

    # Fixture media plays: it is an MP4 served by the API itself.
    media = client.get(clips[0]["media_url"])
    assert media.status_code == 200 and media.content[4:8] == b"ftyp"


def test_source_url_shape_and_video_trailer(api_server: ApiServer, client: httpx.Client) -> None:
    klipit = _submit(client, api_server, {"source_url": "https://example.com/show/ep1.mp4"})
    assert klipit.status_code == 202, klipit.text
    assert klipit.json()["source"]["type"] == "video_url"
    video = _submit(
        client,
        api_server,
        {
            "source": {"type": "video_url", "url": "https://r2.example.com/episode.mp4"},
            "options": {"include_trailer": True, "caption_style": "yellow-pop"},
        },
    )
    assert video.status_code == 202, video.text
    assert video.json()["options"] == {"include_trailer": True, "caption_style": "yellow-pop"}
    done = poll_job(client, video.json()["id"], api_server.headers("test"), timeout=20)
    assert done["status"] == "complete"
    trailer = done["output"]["trailer"]  # type: ignore[index]
    assert trailer["url"].startswith(api_server.base_url) and trailer["duration_seconds"] > 0


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ({"type": "youtube_url", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
         "youtube_ingestion_failed"),
        ({"type": "audio_url", "url": "https://example.com/will-FAIL.mp3"}, "transcription_failed"),
    ],
)  # fmt: skip
def test_sandbox_failures(
    api_server: ApiServer, client: httpx.Client, source: dict[str, str], code: str
) -> None:
    response = _submit(client, api_server, {"source": source})
    assert response.status_code == 202, response.text
    job = poll_job(client, response.json()["id"], api_server.headers("test"), timeout=20)
    assert job["status"] == "failed"
    assert job["output"] is None
    assert job["error"]["code"] == code and job["error"]["message"]  # type: ignore[index]


def test_malformed_url_rejected_at_submit(api_server: ApiServer, client: httpx.Client) -> None:
    response = _submit(client, api_server, {"source": {"type": "audio_url", "url": "not a url"}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_source_url", "source.url")


def test_environments_do_not_see_each_other(api_server: ApiServer, client: httpx.Client) -> None:
    test_job = _submit(client, api_server, {"source_url": "https://example.com/a.mp3"}).json()
    live = api_server.headers("live")
    assert client.get(f"/v1/jobs/{test_job['id']}", headers=live).status_code == 404
    live_ids = {j["id"] for j in client.get("/v1/jobs?limit=100", headers=live).json()["data"]}
    assert test_job["id"] not in live_ids
    listed = client.get("/v1/jobs", headers=api_server.headers("test")).json()
    assert all(j["environment"] == "test" for j in listed["data"])


def test_upload_is_stored_and_becomes_the_source(
    api_server: ApiServer, client: httpx.Client, sample_episode: Path
) -> None:
    data = sample_episode.read_bytes()
    response = client.post(
        "/v1/jobs",
        files={"file": ("episode.mp3", data, "audio/mpeg")},
        data={"show_name": "The Long Game", "platforms": "tiktok,linkedin"},
        # A live key: sandbox uploads are never kept (tests/security/test_tenants_api.py).
        headers=api_server.headers("live"),
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["source"]["type"] == "upload"
    assert job["source"]["filename"] == "episode.mp3"
    assert job["source"]["size_bytes"] == len(data)
    assert job["show_name"] == "The Long Game" and job["platforms"] == ["tiktok", "linkedin"]
    stored = api_server.data_root / "media" / "uploads" / f"{job['source']['sha256']}.mp3"
    assert stored.read_bytes() == data
    with api_server.db() as db:
        (path,) = db.execute("SELECT source_url FROM jobs WHERE id = ?", (job["id"],)).fetchone()
    assert path == str(stored)


def test_upload_too_large(api_server: ApiServer, client: httpx.Client) -> None:
    big = b"\0" * (5 * 1024**2)
    response = client.post(
        "/v1/jobs", files={"file": ("big.mp3", big)}, headers=api_server.headers("test")
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload_too_large"


def test_streamed_upload_is_cut_off_at_the_cap(api_server: ApiServer, client: httpx.Client) -> None:
    """No Content-Length (chunked): the server counts bytes as they arrive and stops at the cap."""
    boundary = "podclipboundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp3"\r\n'
            "Content-Type: audio/mpeg\r\n\r\n"
        ).encode()
        for _ in range(64):  # 16 MiB offered against a 4 MiB cap
            yield b"\0" * (256 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = api_server.headers(
        "test", **{"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    try:
        response = client.post("/v1/jobs", content=body(), headers=headers)
    except httpx.TransportError:
        pytest.skip("server closed the connection before the client read the 413")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload_too_large"
