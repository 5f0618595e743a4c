"""The Klipit (doc 000) agent quickstart against a live key: real pipeline, real media.

The bundled sample episode is served from a loopback HTTP server and submitted as
``source_url``; the job is then processed by :func:`drain_standin` and read back over HTTP:
status while it runs, the job, its clips with every documented field, exports (MP4 and ZIP)
and the clip media itself, with byte ranges.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import shutil
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import RELAXED, run_api_server
from tests.support.httpserver import serve

pytestmark = [pytest.mark.slow, pytest.mark.network]
PIPELINE_TIMEOUT_SECONDS = 420

KLIPIT_CLIP_FIELDS = (
    "id", "moment_type", "shareability_score", "reason", "hook_suggestion",
    "start_seconds", "end_seconds", "duration_seconds", "media_url",
)  # fmt: skip
CLYPT_CLIP_FIELDS = (
    "id", "rank", "category", "hook", "pull_quote", "start_time", "end_time",
    "duration_seconds", "rendered_urls", "transcript_text",
)  # fmt: skip
BRIEF_CLIP_FIELDS = ("start", "end", "duration")


def drain_standin(job_id: str) -> threading.Thread:
    """Stand-in for the pipeline's queue drainer: process one queued live job in this process.

    Swap for the real drainer (``flows.drain.drain_queue`` with a served deployment) once the
    e2e harness runs one.
    """
    from podclip.flows.episode import process_episode

    def run() -> None:
        # A failure is recorded on the job row, which the test reads over HTTP.
        with contextlib.suppress(Exception):
            process_episode(job_id)

    # Prefect's settings (the test's result storage) live in context variables, which a new
    # thread does not inherit: run it in a copy of this context, or task results and cache
    # records land in ~/.prefect and leak into later runs with other data roots.
    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(run,), name=f"drain-{job_id}", daemon=True)
    worker.start()
    return worker


def _is_mp4(data: bytes) -> bool:
    return len(data) > 8 and data[4:8] == b"ftyp"


def test_klipit_quickstart_on_a_live_key(
    prefect_results: Path, data_root: Path, sample_episode: Path, tmp_path: Path
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(sample_episode, served / "episode.mp3")
    with (
        serve(served) as media_host,
        run_api_server(data_root, **RELAXED) as api,
        httpx.Client(base_url=f"{api.base_url}/api/v1", timeout=60) as http,
    ):
        headers = {"Authorization": f"Bearer {api.create_key('live', name='agent')}"}

        # 1. Submit a job.
        body = {
            "source_url": media_host.url("episode.mp3"),
            "show_name": "The Long Game",
            "guest_name": "Daniel Okafor",
            "platforms": ["tiktok", "reels"],
        }
        submitted = http.post("/jobs", json=body, headers=headers)
        assert submitted.status_code == 202, submitted.text
        job = submitted.json()
        assert (job["status"], job["environment"]) == ("queued", "live")
        assert job["source"] == {"type": "audio_url", "url": body["source_url"]}
        assert job["created_at"].endswith("Z")

        # 2. Poll until complete, while the stand-in drainer runs the pipeline.
        worker = drain_standin(job["id"])
        seen = []
        deadline = time.monotonic() + PIPELINE_TIMEOUT_SECONDS
        while True:
            job = http.get(f"/jobs/{job['id']}", headers=headers).json()
            if not seen or seen[-1] != job["status"]:
                seen.append(job["status"])
            if job["status"] in ("complete", "failed"):
                break
            assert time.monotonic() < deadline, f"still {job['status']}"
            time.sleep(0.5)
        worker.join(timeout=30)
        assert job["status"] == "complete", job["error"]
        assert len(seen) >= 3, seen  # intermediate stages were readable while it ran
        assert media_host.requests == ["/episode.mp3"]
        assert job["clip_count"] >= 1
        assert job["duration_seconds"] == pytest.approx(263.4, abs=1.0)
        assert job["language"] == "en"  # the transcript's language, from the lake
        assert job["completed_at"].endswith("Z") and job["error"] is None
        output = job["output"]
        assert output["trailer"] is None
        assert output["show_notes"].startswith("# ") and "## Chapters" in output["show_notes"]
        assert output["guest_share_url"].startswith(f"{api.base_url}/share/{job['id']}.")
        transcript = output["transcript"]
        assert transcript and all(set(s) == {"speaker", "start", "end", "text"} for s in transcript)
        assert {s["speaker"] for s in transcript} == {"host", "guest"}
        assert any("long game" in s["text"].lower() for s in transcript)

        # 3. Read clips sorted by score.
        clips_response = http.get(f"/jobs/{job['id']}/clips", headers=headers)
        assert clips_response.status_code == 200
        clips = clips_response.json()["clips"]
        assert len(clips) == job["clip_count"] == len(output["clips"])
        scores = [c["shareability_score"] for c in clips]
        assert scores == sorted(scores, reverse=True)
        for clip in clips:
            for name in KLIPIT_CLIP_FIELDS + CLYPT_CLIP_FIELDS + BRIEF_CLIP_FIELDS:
                assert clip[name] not in (None, ""), name
            assert 0 <= clip["shareability_score"] <= 100
            assert clip["end_seconds"] > clip["start_seconds"]
            assert clip["duration_seconds"] == pytest.approx(
                clip["end_seconds"] - clip["start_seconds"], abs=0.01
            )
            assert clip["pull_quote"] in clip["transcript_text"]
            assert set(clip["rendered_urls"]) == {"tiktok", "reels"}

        # The clip media plays in a browser: an MP4, with byte ranges.
        media = httpx.get(clips[0]["media_url"], timeout=30)
        assert media.status_code == 200 and _is_mp4(media.content)
        assert media.headers["content-type"] == "video/mp4"
        ranged = httpx.get(clips[0]["media_url"], headers={"Range": "bytes=0-1023"}, timeout=30)
        assert ranged.status_code == 206 and len(ranged.content) == 1024
        assert ranged.headers["content-range"] == f"bytes 0-1023/{len(media.content)}"
        assert ranged.content == media.content[:1024]

        # 4. Export: one MP4, and a ZIP of every clip, through signed expiring links.
        mp4 = http.post(f"/jobs/{job['id']}/export", json={"format": "mp4", "platform": "tiktok"},
                        headers=headers).json()  # fmt: skip
        assert mp4["expires_at"].endswith("Z") and len(mp4["files"]) == len(clips)
        download = httpx.get(mp4["export_url"], timeout=30)
        assert download.status_code == 200 and _is_mp4(download.content)
        assert "attachment" in download.headers["content-disposition"]
        bundle = http.post(f"/jobs/{job['id']}/export", json={"format": "zip"}, headers=headers)
        archive = httpx.get(bundle.json()["export_url"], timeout=60)
        assert archive.status_code == 200
        with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
            names = zipped.namelist()
            videos = [n for n in names if n.endswith(".mp4")]
            assert len(videos) == len(clips) and any(n.endswith("/clips.csv") for n in names)
            assert all(_is_mp4(zipped.read(n)[:16]) for n in videos)
        forged = bundle.json()["export_url"][:-4] + "AAAA"
        assert httpx.get(forged, timeout=30).status_code == 404

        # 5. The account counts the processed minutes.
        account = http.get("/account", headers=headers).json()
        assert account["minutes_used"] == pytest.approx(263.4 / 60, abs=0.05)
