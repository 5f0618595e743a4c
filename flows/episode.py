"""The ``process-episode`` flow: one job from source to published clips.

It only sequences stages and moves the job's status; every stage is a cached task, so a rerun
(from the Prefect UI or the CLI) recomputes nothing that already finished.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger
from prefect.concurrency.sync import concurrency
from prefect.runtime import flow_run
from sqlalchemy import Engine

from podclip.core.records import AudioTrack, ClipPlan, SourceMedia
from podclip.core.settings import get_settings
from podclip.store import locks, ops, queue
from podclip.store.analytics import episode_info
from podclip.store.brands import brand_for
from podclip.store.clips import EpisodeOutput, PublishBatch
from podclip.tasks.artwork import fetch_artwork
from podclip.tasks.audio import audio_options, extract_audio
from podclip.tasks.captions import ClipOverlay, speaker_turns
from podclip.tasks.diarize import (
    diarize_speakers,
    speaker_names,
    speaker_options,
    speakers_output,
)
from podclip.tasks.feeds import resolve_newest_episode
from podclip.tasks.fetch import download_media
from podclip.tasks.keys import stage_key
from podclip.tasks.moments import moment_options, plan_clips, score_moments
from podclip.tasks.publish import publish_clips
from podclip.tasks.render import render_clip, render_options, render_spans
from podclip.tasks.show_ranking import for_show
from podclip.tasks.shownotes import (
    build_show_notes,
    ranked_moments,
    show_notes_options,
    show_notes_output,
)
from podclip.tasks.subtitles import write_clip_captions
from podclip.tasks.trailer import plan_trailer, render_trailer, trailer_options
from podclip.tasks.transcribe import (
    TRANSCRIPTION_LIMIT,
    transcribe_audio,
    transcription_options,
)


@flow(name="process-episode", log_prints=False)
def process_episode(job_id: str) -> str:
    """Run every stage for ``job_id``; end the job ``complete`` or ``failed``; return the status."""
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.get_job(engine, job_id)
    logger = get_run_logger()
    if job.is_terminal and not _operator_retry(engine, job):
        logger.info("job %s is already %s", job_id, job.status)
        return job.status
    with _heartbeat(engine, job_id, settings.queue.stale_after_seconds / 4):
        return _run_stages(engine, job, logger)


def _run_stages(engine: Engine, job: ops.Job, logger: Any) -> str:
    settings = get_settings()
    job_id = job.id
    try:
        ops.set_status(
            engine, job_id, "downloading", started_at=ops.utcnow(), flow_run_id=str(flow_run.id)
        )
        fetch = download_media.with_options(
            cache_expiration=timedelta(hours=settings.fetch.url_cache_hours)
        )
        source_url = job.source_url
        artwork_url = job.options.get("artwork_url")
        if job.source_type == "rss_feed_url":
            episode = resolve_newest_episode(job.source_url)
            source_url = episode.enclosure_url
            artwork_url = artwork_url or episode.artwork_url
            ops.update_job(engine, job_id, title=job.title or episode.title)
        source = fetch(source_url)
        audio = extract_audio(source, audio_options(settings.fetch))
        ops.update_job(
            engine,
            job_id,
            source_sha256=source.sha256,
            duration_seconds=audio.info.duration_seconds,
        )

        ops.set_status(engine, job_id, "transcribing")
        options = transcription_options(settings.transcribe, job.options)
        # Two runs of the same episode at once: the second waits here, then hits the cache.
        lock_key = "transcribe:" + stage_key(transcribe_audio, audio=audio, options=options)
        lease = settings.queue.lock_lease_seconds
        with (
            locks.held(engine, lock_key, lease_seconds=lease),
            concurrency(TRANSCRIPTION_LIMIT, occupy=1, lease_duration=max(60.0, lease)),
        ):
            transcript = transcribe_audio(audio, options)
        if settings.speakers.enabled:
            transcript = diarize_speakers(
                transcript, audio, speaker_options(settings.speakers, job.options)
            )
        host_name, guest_name = speaker_names(transcript, job.guest_name, job.options)

        ops.set_status(engine, job_id, "clipping")
        scoring = for_show(
            moment_options(settings.scoring, job.options),
            settings.learning,
            job.account_id,
            job.show_name,
        )
        moments = score_moments(transcript, scoring)
        plans = plan_clips(job_id, moments, transcript)
        notes = build_show_notes(
            transcript,
            ranked_moments(plans),
            job.title or job.show_name or "Show notes",
            host_name,
            guest_name,
            show_notes_options(settings.show_notes),
        )

        ops.set_status(engine, job_id, "rendering")
        title = job.show_name or job.title or "podclip"
        # Show artwork decorates audiograms only; a video source keeps its own picture.
        artwork = fetch_artwork(artwork_url) if artwork_url and not audio.info.has_video else None
        # The show's brand kit is part of the render record: a brand change re-renders.
        brand = brand_for(engine, job.account_id, job.show_name)
        look = render_options(settings.render, job.options, title, artwork, brand)
        overlays = {
            p.clip_id: ClipOverlay(
                p.moment.hook,
                speaker_turns(
                    transcript.segments, p.moment.start, p.moment.end, host_name, guest_name
                ),
            )
            for p in plans
        }
        futures = [
            (
                p.clip_id,
                render_clip.submit(
                    source, audio, p.moment.start, end, p.words, preset, look, overlays[p.clip_id]
                ),
            )
            for p in plans
            for preset, end in render_spans(
                p.moment.start, p.moment.end, job.options.get("platforms")
            )
        ]
        captions = [
            write_clip_captions.submit(p.clip_id, p.moment.start, p.moment.end, p.words)
            for p in plans
        ]
        renders = [(clip_id, f.result()) for clip_id, f in futures]
        clip_files = [file for f in captions for file in f.result()]
        trailer_outputs = _trailer_outputs(engine, job, source, audio, plans, logger)

        publish_clips(
            PublishBatch(
                job_id=job_id,
                source_sha256=source.sha256,
                transcript=transcript,
                plans=plans,
                renders=renders,
                scoring_model_version=scoring.model_version,
                clip_files=clip_files,
                outputs=[
                    *trailer_outputs,
                    speakers_output(transcript, guest_name),
                    show_notes_output(notes),
                ],
                episode=episode_info(
                    ops.get_job(engine, job_id),
                    language=transcript.language,
                    duration_seconds=transcript.duration_seconds,
                ),
            )
        )
    except Exception as exc:
        # The job ends failed first; re-raising then marks the flow run Failed in the UI.
        logger.error("job %s failed: %s", job_id, exc)
        ops.fail_job(engine, job_id, exc)
        raise
    return ops.get_job(engine, job_id).status


def _operator_retry(engine: Engine, job: ops.Job) -> bool:
    """A retry of the very flow run that failed the job reopens it; nothing else does."""
    if job.status != "failed" or flow_run.run_count < 2:
        return False
    return queue.reopen_for_retry(engine, job.id, str(flow_run.id))


@contextmanager
def _heartbeat(engine: Engine, job_id: str, every_seconds: float) -> Iterator[None]:
    """Beat while the stages run, so the drainer can tell a slow run from a dead one."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every_seconds):
            queue.heartbeat(engine, job_id)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _trailer_outputs(
    engine: Engine,
    job: ops.Job,
    source: SourceMedia,
    audio: AudioTrack,
    plans: Sequence[ClipPlan],
    logger: Any,
) -> list[EpisodeOutput]:
    """The trailer output when the job asks for one and the source has video, else none.

    A source whose lack of video shows only after download (a URL without an extension) gets
    a job event saying why there is no trailer; the rest of the job still completes.
    """
    if not job.options.get("include_trailer"):
        return []
    if not audio.info.has_video:
        message = "trailer_not_supported_for_source: the source has no video; no trailer made."
        logger.warning("job %s: %s", job.id, message)
        ops.add_job_event(engine, job.id, message)
        return []
    settings = get_settings()
    cuts = plan_trailer(plans, settings.trailer)
    if not cuts:
        return []
    subtitle = job.title if job.show_name and job.title else None
    trailer = render_trailer(
        source,
        cuts,
        job.show_name or job.title or "podclip",
        subtitle,
        trailer_options(settings.trailer, settings.render),
    )
    return [
        EpisodeOutput(
            kind="trailer",
            media_path=trailer.path,
            sha256=trailer.sha256,
            duration_seconds=trailer.duration_seconds,
        )
    ]
