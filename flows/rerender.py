"""The ``rerender-clips`` flow: render only the clips a producer changed, through the same
cached tasks as ``process-episode``.

The API queues a ``rerender_requests`` row (it never imports Prefect); the dispatcher starts
one run of this flow per row (:func:`dispatch_rerenders`). The run renders each changed clip
with its edited span, caption style, preset or platforms and the job's corrected words
(``render_clip``, ``write_clip_captions``: an unchanged clip is a cache hit), types and scores
clips made by hand (``score_span``), and replaces those clips' lake rows in one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from sqlalchemy import Engine

from podclip.core.errors import SourceMissing
from podclip.core.records import AudioTrack, SourceMedia
from podclip.core.settings import Settings, get_settings
from podclip.scoring.types import Word
from podclip.store import clip_edits, clips, corrections, ops
from podclip.store.brands import brand_for
from podclip.store.clip_edits import ClipEdit
from podclip.store.clip_updates import ClipUpdate, replace_clips
from podclip.store.corrections import IndexedWord
from podclip.store.media import MediaStore
from podclip.tasks.artwork import fetch_artwork
from podclip.tasks.audio import audio_options, extract_audio
from podclip.tasks.moments import moment_options
from podclip.tasks.render import render_clip, render_options, render_spans
from podclip.tasks.span_score import score_span
from podclip.tasks.subtitles import write_clip_captions

RERENDER_DEPLOYMENT = "rerender-clips/rerender-clips"
RETRY_SECONDS = 10.0
logger = logging.getLogger(__name__)


@flow(name="rerender-clips", log_prints=False)
def rerender_clips(request_id: str) -> str:
    """Render the request's changed clips and publish them; return the request's status."""
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    request = clip_edits.get_request(engine, request_id)
    if request is None or request.status in ("done", "failed"):
        return "missing" if request is None else request.status
    clip_edits.set_request_status(
        engine, request_id, "running", flow_run_id=str(flow_run.id or "") or None
    )
    try:
        _rerender(settings, engine, request)
    except Exception as exc:
        get_run_logger().error("re-render %s failed: %s", request_id, exc)
        clip_edits.set_request_status(engine, request_id, "failed", error=str(exc)[:500])
        raise
    clip_edits.set_request_status(engine, request_id, "done")
    return "done"


def _rerender(settings: Settings, engine: Engine, request: clip_edits.RerenderRequest) -> None:
    job = ops.get_job(engine, request.job_id)
    source, audio = _media(settings, job)
    segments = clips.transcript_for_job(settings, job.id)
    fixes = corrections.for_job(engine, job.id)
    words = corrections.apply(corrections.words_of(segments), fixes)
    rows = {r["clip_id"]: r for r in clips.clips_for_job(settings, job.id)}
    edits = clip_edits.for_job(engine, job.id)
    # What the request named, and whatever else changed before this run started.
    chosen = [e for e in edits.values() if e.dirty or e.clip_id in request.clip_ids]
    artwork_url = job.options.get("artwork_url")
    artwork = fetch_artwork(artwork_url) if artwork_url and not audio.info.has_video else None
    title = job.show_name or job.title or "podclip"
    updates = [
        _render_one(
            settings, job, edit, rows.get(edit.clip_id), words, source, audio, title, artwork
        )
        for edit in chosen
    ]
    notes = _corrected_notes(settings, job.id, fixes)
    model_id = segments[0]["model_id"] if segments else ""
    replace_clips(settings, job.id, source.sha256, model_id, updates, notes)
    for edit in chosen:
        clip_edits.mark_rendered(engine, edit.clip_id, edit.revision)


def _media(settings: Settings, job: ops.Job) -> tuple[SourceMedia, AudioTrack]:
    """The job's stored source (by its content hash) and its cached audio track."""
    store = MediaStore.from_settings(settings)
    found = sorted(store.fs.glob(store.full_path(f"sources/{job.source_sha256}.*")))
    if not job.source_sha256 or not found:
        raise SourceMissing(f"The source of job {job.id} is no longer stored.")
    key = str(found[0])[len(store.root) + 1 :]
    size = store.fs.size(store.full_path(key))
    source = SourceMedia(job.source_sha256, key, int(size), key.rsplit("/", 1)[-1])
    return source, extract_audio(source, audio_options(settings.fetch))


def _span_words(words: Sequence[IndexedWord], start: float, end: float) -> tuple[Word, ...]:
    # The same rule as tasks.moments.plan_clips: whole words inside the span.
    return tuple(
        Word(w.start, w.end, w.text)
        for w in words
        if w.start >= start - 1e-3 and w.end <= end + 1e-3
    )


def _render_one(
    settings: Settings,
    job: ops.Job,
    edit: ClipEdit,
    row: dict[str, Any] | None,
    words: Sequence[IndexedWord],
    source: SourceMedia,
    audio: AudioTrack,
    title: str,
    artwork: str | None,
) -> ClipUpdate:
    start = edit.start_seconds if edit.start_seconds is not None else float(row["start_seconds"])  # type: ignore[index]
    end = edit.end_seconds if edit.end_seconds is not None else float(row["end_seconds"])  # type: ignore[index]
    span = _span_words(words, start, end)
    style = edit.caption_style or (
        row["renders"][0]["caption_style"] if row and row.get("renders") else None
    )
    job_options = {**job.options, **({"caption_style": style} if style else {})}
    engine = ops.engine_for(settings.resolved_database_url)
    brand = brand_for(engine, job.account_id, job.show_name)
    look = render_options(settings.render, job_options, title, artwork, brand)
    if edit.preset:
        spans = [(edit.preset, end)]
    else:
        spans = render_spans(start, end, edit.platforms or job.options.get("platforms"))
    futures = [
        render_clip.submit(source, audio, start, cut, span, preset, look) for preset, cut in spans
    ]
    files = write_clip_captions(edit.clip_id, start, end, span)
    moment = None
    if row is None:
        moment = score_span(start, end, span, moment_options(settings.scoring, job.options))
    return ClipUpdate(
        clip_id=edit.clip_id,
        start=start,
        end=end,
        transcript_text=" ".join(w.text.strip() for w in span),
        renders=[f.result() for f in futures],
        files=files,
        new_moment=moment,
    )


def _corrected_notes(
    settings: Settings, job_id: str, fixes: dict[int, corrections.Correction]
) -> str | None:
    """The show notes with the fixed words, or None when nothing changes."""
    if not fixes:
        return None
    body = (clips.outputs_for_job(settings, job_id).get("show_notes") or {}).get("body")
    if not body:
        return None
    fixed = corrections.replace_in_text(str(body), fixes.values())
    return fixed if fixed != body else None


def dispatch_rerenders(engine: Engine, limit: int = 10) -> list[str]:
    """Start one ``rerender-clips`` run per queued request (the request id is the idempotency
    key, so a retried start never makes two runs); return the request ids started."""
    from prefect.deployments import run_deployment

    started = []
    for request in clip_edits.queued_requests(engine, limit):
        run = run_deployment(
            RERENDER_DEPLOYMENT,
            parameters={"request_id": request.id},
            timeout=0,
            idempotency_key=f"rerender:{request.id}",
            tags=[f"job:{request.job_id}"],
            as_subflow=False,
        )
        clip_edits.set_request_status(
            engine,
            request.id,
            "dispatched",
            expect="queued",
            flow_run_id=str(run.id),  # type: ignore[union-attr]
        )
        started.append(request.id)
    return started


def run_rerender_loop(
    settings: Settings, stop: threading.Event, wake: Callable[[], None] | None = None
) -> None:
    """Dispatch queued re-renders every ``dispatch_interval_seconds`` until ``stop`` is set
    (one indexed read per tick; a run only when a producer asked for one)."""
    engine = ops.engine_for(settings.resolved_database_url)
    delay = 0.0
    while not stop.wait(delay):
        delay = settings.queue.dispatch_interval_seconds
        try:
            if dispatch_rerenders(engine) and wake is not None:
                wake()
        except Exception:  # the loop outlives a database or Prefect API that is down a while
            logger.exception("re-render dispatch failed; retrying in %.0f s", RETRY_SECONDS)
            delay = RETRY_SECONDS
