"""Put a small, real published job into the lake without running the models."""

from __future__ import annotations

from podclip.core.records import ClipPlan, RenderedClip, Transcript
from podclip.core.settings import Settings
from podclip.scoring.types import ScoredMoment, Segment, Word
from podclip.store import ops
from podclip.store.clips import ClipFile, EpisodeInfo, EpisodeOutput, PublishBatch, publish


def make_batch(job_id: str) -> PublishBatch:
    """One segment, clip, render, show-notes output and caption file for ``job_id``."""
    words = (Word(0.0, 0.5, "Hello"), Word(0.6, 1.0, "world."))
    segment = Segment(0.0, 1.0, "Hello world.", words)
    moment = ScoredMoment(0.0, 1.0, "Hello world.", "none", "Other", 10.0, "r", "h", "q")
    return PublishBatch(
        job_id=job_id,
        source_sha256="0" * 64,
        transcript=Transcript((segment,), "en", 1.0, "tiny.en"),
        plans=[ClipPlan("clip_seed", 1, moment, words)],
        renders=[
            (
                "clip_seed",
                RenderedClip(
                    "vertical", "k", "/p.mp4", 1080, 1920, 1.0, 10, "0" * 64, "yellow-pop"
                ),
            )
        ],
        scoring_model_version="seed",
        outputs=[EpisodeOutput("show_notes", body="# Seed\n\nHello world.")],
        clip_files=[ClipFile("clip_seed", "srt", "/p.srt", "0" * 64, 30)],
        episode=EpisodeInfo("Seed Show", "Seed", None, None, "/seed.mp3", "file", 1.0, "en"),
    )


def seed_published_job(settings: Settings) -> str:
    """Create a complete job with one segment, one clip and one render; return its id."""
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(engine, source_type="file", source_url="/seed.mp3")
    publish(settings, make_batch(job.id))
    ops.set_status(engine, job.id, "complete", clip_count=1)
    return job.id
