"""Sandbox (``clk_test_…``) jobs: deterministic outcomes and fixtures, never the pipeline.

A test job walks ``queued → transcribing → clipping → complete`` (or ``failed``), one step per
``settings.api.sandbox_step_seconds`` counted from its ``created_at``. Nothing runs in the
background: whoever reads the job moves it to where its clock says it should be, writing each
step through :func:`store.ops.set_status` with ``expected`` (compare-and-set), so the states
live in the database, survive restarts, appear in ``job_events`` once each, and two API workers
reading the same job agree. The webhook delivery loop advances unfinished sandbox jobs the
same way whenever a sandbox webhook is registered, so their ``job.created``/``job.completed``/
``job.failed`` events fire as a real job's would, without anyone polling.

The outcome follows the sandbox table of the Clypt document: ``youtube_url`` sources fail with
``youtube_ingestion_failed``; a URL containing ``fail`` (any case) fails with
``transcription_failed``; anything else completes with the fixture below (three clips, a
trailer only for video sources, markdown show notes, a two-line transcript).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from podclip.store import ops
from podclip.store.ops import Job

STEPS = ("queued", "transcribing", "clipping")
FIXTURE_DURATION_SECONDS = 1834.0
FIXTURE_MEDIA = "sandbox_clip.mp4"
VIDEO_SOURCE_TYPES = frozenset({"video_url", "youtube_url"})

_FIXTURE_CLIPS: tuple[dict[str, Any], ...] = (
    {
        "rank": 1,
        "moment_type": "bold_prediction",
        "category": "Bold/Contrarian",
        "shareability_score": 94.0,
        "reason": "Bold prediction: a falsifiable claim with a clear timeframe.",
        "hook": "Half of all podcasts will be clipped by AI before 2027.",
        "pull_quote": "Half of all podcasts will be clipped by AI before 2027.",
        "start_seconds": 197.6,
        "end_seconds": 228.7,
        "transcript_text": (
            "Here is my prediction. Half of all podcasts will be clipped by AI before 2027, "
            "and the shows that ignore it will simply stop being discovered."
        ),
    },
    {
        "rank": 2,
        "moment_type": "how_to",
        "category": "Educational/How-To",
        "shareability_score": 87.0,
        "reason": "How-to: three concrete steps a listener can copy today.",
        "hook": "The three-step checklist we run before every launch.",
        "pull_quote": "Write the hook first, then cut everything that does not earn it.",
        "start_seconds": 842.0,
        "end_seconds": 889.5,
        "transcript_text": (
            "Our checklist has three steps. Write the hook first, then cut everything that "
            "does not earn it, and finally test it on ten people who owe you nothing."
        ),
    },
    {
        "rank": 3,
        "moment_type": "emotional_story",
        "category": "Story/Emotional",
        "shareability_score": 81.0,
        "reason": "Emotional story: a personal turning point told in the first person.",
        "hook": "The night we almost shut the company down.",
        "pull_quote": "I had the email to the team written and sitting in drafts.",
        "start_seconds": 1320.4,
        "end_seconds": 1366.0,
        "transcript_text": (
            "I had the email to the team written and sitting in drafts. Then one customer "
            "called, and that call is the reason we are still here."
        ),
    },
)

SHOW_NOTES = """# Sandbox episode

A deterministic fixture from podclip's sandbox: no audio was fetched or transcribed.

## Highlights
- 03:17 A bold prediction about AI clipping
- 14:02 The three-step launch checklist
- 22:00 The night the company almost shut down
"""

TRANSCRIPT = (
    {"speaker": "host", "start": 0.5, "end": 4.2, "text": "Welcome back to the show."},
    {
        "speaker": "guest",
        "start": 4.6,
        "end": 9.8,
        "text": "Thanks for having me, great to be here.",
    },
)


def outcome(job: Job) -> tuple[str, str | None, str | None]:
    """``(final_status, error_code, error_message)`` for a sandbox job."""
    if job.source_type == "youtube_url":
        return (
            "failed",
            "youtube_ingestion_failed",
            "Sandbox: youtube_url sources always fail with youtube_ingestion_failed.",
        )
    url = str(job.source.get("url") or job.source.get("filename") or job.source_url)
    if "fail" in url.lower():
        return (
            "failed",
            "transcription_failed",
            "Sandbox: a source URL containing 'fail' fails with transcription_failed.",
        )
    return "complete", None, None


def advance(engine: Engine, job: Job, *, step_seconds: float, now: datetime | None = None) -> Job:
    """Move a sandbox job to the state its clock says; return the job as it now stands."""
    if job.environment != "test" or job.is_terminal:
        return job
    now = now or ops.utcnow()
    elapsed = (now - job.created_at).total_seconds()
    target = len(STEPS) if step_seconds <= 0 else min(len(STEPS), int(elapsed // step_seconds))
    final, code, message = outcome(job)
    path = (*STEPS, final)
    position = path.index(job.status) if job.status in path else 0
    if target <= position:
        return job
    for index in range(position + 1, target + 1):
        status = path[index]
        fields: dict[str, Any] = {}
        if status == "transcribing":
            fields["started_at"] = now
        if status == "complete":
            fields.update(clip_count=len(_FIXTURE_CLIPS), duration_seconds=FIXTURE_DURATION_SECONDS)
        if status == "failed":
            fields.update(error_code=code, error_message=message)
        ops.set_status(
            engine,
            job.id,
            status,
            expected=path[index - 1],
            message=f"sandbox: {status}",
            **fields,
        )
    return ops.get_job(engine, job.id)


def fixture_clip_rows(job: Job, media_path: str, size_bytes: int) -> list[dict[str, Any]]:
    """The three fixture clips in the lake's row shape, each with one vertical render."""
    rows = []
    for clip in _FIXTURE_CLIPS:
        clip_id = f"clip_{job.id.removeprefix('job_')}_{clip['rank']}"
        duration = round(clip["end_seconds"] - clip["start_seconds"], 3)
        rows.append(
            {
                **clip,
                "clip_id": clip_id,
                "job_id": job.id,
                "duration_seconds": duration,
                "renders": [
                    {
                        "clip_id": clip_id,
                        "preset": "vertical",
                        "media_path": media_path,
                        "width": 180,
                        "height": 320,
                        "duration_seconds": 3.0,
                        "size_bytes": size_bytes,
                    }
                ],
            }
        )
    return rows


def has_trailer(job: Job) -> bool:
    """Trailers exist for video sources only (uploads count by their file extension)."""
    if job.source_type in VIDEO_SOURCE_TYPES:
        return True
    return job.source_type == "upload" and bool(job.source.get("video"))
