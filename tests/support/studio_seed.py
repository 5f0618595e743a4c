"""A complete, published job for studio and review tests, without running the models.

Its title, show and one transcript word are hostile HTML, so every page that shows them is
checked for escaping. The renders point into the media store (no file behind them): pages and
links work; a re-render of such a job fails (there is no source), which its tests do not ask.
"""

from __future__ import annotations

from pathlib import Path

from podclip.core.records import ClipPlan, RenderedClip, Transcript
from podclip.core.settings import Settings
from podclip.scoring.types import ScoredMoment, Segment, Word
from podclip.store import ops
from podclip.store.clips import ClipFile, EpisodeInfo, EpisodeOutput, PublishBatch, publish
from podclip.store.media import MediaStore

HOSTILE = "<script>alert('x')</script>"
HOSTILE_WORD = "<img src=x onerror=alert(1)>"
TYPES = (("story", 81.0), ("insight", 62.0), ("prediction", 33.0))


def _words(count: int) -> list[Word]:
    words = []
    for i in range(count):
        text = HOSTILE_WORD if i == 5 else f"word{i}" + ("." if i % 10 == 9 else "")
        words.append(Word(float(i), i + 0.8, f" {text}"))
    return words


def seed_review_job(
    data_root: Path,
    *,
    account_id: str = "acct_default",
    environment: str = "live",
    title: str = f"Episode {HOSTILE}",
    show: str = f"Show {HOSTILE}",
) -> tuple[str, list[str]]:
    """A complete job with 40 words (4 segments) and 3 clips; return (job id, clip ids)."""
    settings = Settings(data_root=data_root)
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(
        engine,
        source_type="file",
        source_url="/seed.mp3",
        environment=environment,
        account_id=account_id,
        title=title,
        show_name=show,
    )
    words = _words(40)
    segments = tuple(
        Segment(
            float(k * 10),
            k * 10 + 9.8,
            " ".join(w.text.strip() for w in words[k * 10 : k * 10 + 10]),
            tuple(words[k * 10 : k * 10 + 10]),
            speaker="host" if k % 2 == 0 else "guest",
        )
        for k in range(4)
    )
    store = MediaStore.from_settings(settings)
    plans, renders, files = [], [], []
    for rank, (kind, score) in enumerate(TYPES, start=1):
        start, end = (rank - 1) * 10.0, (rank - 1) * 10.0 + 9.8
        span = tuple(w for w in words if start <= w.start and w.end <= end)
        text = " ".join(w.text.strip() for w in span)
        moment = ScoredMoment(
            start, end, text, kind, kind.title(), score, f"reason {HOSTILE}", f"hook {HOSTILE}", "q"
        )
        clip_id = f"clip_{job.id[-8:]}{rank:08d}"
        plans.append(ClipPlan(clip_id, rank, moment, span))
        renders.append(
            (
                clip_id,
                RenderedClip(
                    "vertical",
                    "k",
                    f"{store.url}/renders/{clip_id}.mp4",
                    1080,
                    1920,
                    end - start,
                    10,
                    "0" * 64,
                    "yellow-pop",
                ),
            )
        )
        files.append(ClipFile(clip_id, "srt", f"{store.url}/captions/{clip_id}.srt", "0" * 64, 3))
    publish(
        settings,
        PublishBatch(
            job_id=job.id,
            source_sha256="0" * 64,
            transcript=Transcript(segments, "en", 40.0, "tiny.en"),
            plans=plans,
            renders=renders,
            scoring_model_version="seed",
            outputs=[EpisodeOutput("show_notes", body=f"# Notes {HOSTILE}")],
            clip_files=files,
            episode=EpisodeInfo(show, title, None, None, "/seed.mp3", "file", 40.0, "en"),
        ),
    )
    ops.set_status(engine, job.id, "complete", clip_count=len(plans))
    return job.id, [p.clip_id for p in plans]
