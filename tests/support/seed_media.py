"""A published job with real media: a synthetic source video, clip renders cut from it with
ffmpeg, SRT/VTT captions, a speakers output and a trailer, all in the media store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from podclip.core.records import ClipPlan, RenderedClip, Transcript
from podclip.core.settings import Settings
from podclip.scoring.types import ScoredMoment, Segment, Word
from podclip.store import ops
from podclip.store.clips import ClipFile, EpisodeOutput, PublishBatch, publish
from podclip.store.media import MediaStore, sha256_file
from podclip.tasks.ffmpeg import input_args, probe, run_ffmpeg

SOURCE_SECONDS = 30.0
# (seconds) who speaks when: host, guest, host, guest, guest.
TURNS = ((0.0, 6.0, "host"), (6.0, 14.0, "guest"), (14.0, 18.0, "host"), (18.0, 30.0, "guest"))
HOSTILE_TYPE = "../..\\evil/\u202e<script>\nx"


@dataclass(frozen=True)
class ClipSpec:
    clip_id: str
    rank: int
    start: float
    end: float
    moment_type: str
    score: float
    hook: str


CLIPS = (
    ClipSpec("clip_guest1", 1, 6.5, 13.5, "bold_prediction", 91.0, "The guest's bold call"),
    ClipSpec("clip_host1", 2, 0.5, 5.5, "how_to", 80.0, "Host explains the format"),
    ClipSpec("clip_guest2", 3, 19.0, 27.0, HOSTILE_TYPE, 72.0, "<script>alert('x')</script>"),
)


def make_source(path: Path, seconds: float = SOURCE_SECONDS) -> Path:
    """A small H.264/AAC test video (320x180, 25 fps, a tone) at ``path``."""
    args = [
        "-f", "lavfi", "-i", f"testsrc2=s=320x180:r=25:d={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "32", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "48k", "-shortest", str(path),
    ]  # fmt: skip
    run_ffmpeg(args, timeout=120)
    return path


def _cut(source: Path, start: float, end: float, out: Path) -> None:
    args = [
        *input_args(source, start=start, duration=end - start),
        "-vf", "crop=ih*9/16:ih,scale=180:320", "-c:v", "libx264", "-preset", "ultrafast",
        "-crf", "32", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k",
        "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    run_ffmpeg(args, timeout=120)


def _ts(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    return (
        f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"
    )


def seed_media_job(
    settings: Settings,
    source: Path,
    *,
    show_name: str | None = "Evil/../Show <b>&amp;</b>",
    title: str | None = "Episode 7: ../../secrets",
    guest_name: str | None = "Ada Guest",
) -> str:
    """Publish a complete live job over ``source`` (from :func:`make_source`); return its id."""
    store = MediaStore.from_settings(settings)
    sha = sha256_file(source)
    store.put(source, f"sources/{sha}{source.suffix}")
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(
        engine,
        source_type="file",
        source_url=str(source),
        source={"type": "file", "url": str(source), "filename": "My Episode.mp4"},
        show_name=show_name,
        title=title,
        guest_name=None,
    )
    segments = tuple(
        Segment(a, b, f"{who} speaks", (Word(a, a + 0.5, who), Word(a + 0.6, b, "speaks.")), who)
        for a, b, who in TURNS
    )
    work = settings.root / "seed-work"
    work.mkdir(parents=True, exist_ok=True)
    plans, renders, files = [], [], []
    for spec in CLIPS:
        moment = ScoredMoment(
            spec.start, spec.end, "text", spec.moment_type, "Bold", spec.score, "why",
            spec.hook, "a quote",
        )  # fmt: skip
        plans.append(ClipPlan(spec.clip_id, spec.rank, moment, ()))
        out = work / f"{spec.clip_id}.mp4"
        _cut(source, spec.start, spec.end, out)
        key = f"renders/seed/{sha[:8]}/{spec.clip_id}-vertical.mp4"
        path = store.put(out, key)
        info = probe(out)
        renders.append(
            (
                spec.clip_id,
                RenderedClip(
                    "vertical",
                    key,
                    path,
                    info.width,
                    info.height,
                    info.duration_seconds,
                    out.stat().st_size,
                    sha256_file(out),
                    "yellow-pop",
                ),
            )
        )
        cue = f"1\n{_ts(0, ',')} --> {_ts(spec.end - spec.start, ',')}\n{spec.hook}\n"
        vtt = f"WEBVTT\n\n{_ts(0, '.')} --> {_ts(spec.end - spec.start, '.')}\n{spec.hook}\n"
        for kind, text in (("srt", cue), ("vtt", vtt)):
            local = work / f"{spec.clip_id}.{kind}"
            local.write_text(text, encoding="utf-8")
            stored = store.put(local, f"captions/seed/{sha[:8]}/{spec.clip_id}.{kind}")
            files.append(
                ClipFile(spec.clip_id, kind, stored, sha256_file(local), local.stat().st_size)
            )
    trailer = renders[0][1]
    publish(
        settings,
        PublishBatch(
            job_id=job.id,
            source_sha256=sha,
            transcript=Transcript(segments, "en", SOURCE_SECONDS, "tiny.en"),
            plans=plans,
            renders=renders,
            scoring_model_version="seed",
            outputs=[
                EpisodeOutput("speakers", body=json.dumps({"guest_name": guest_name})),
                EpisodeOutput(
                    "trailer",
                    media_path=trailer.path,
                    sha256=trailer.sha256,
                    duration_seconds=trailer.duration_seconds,
                ),
            ],
            clip_files=files,
        ),
    )
    ops.update_job(engine, job.id, source_sha256=sha, duration_seconds=SOURCE_SECONDS)
    ops.set_status(engine, job.id, "complete", clip_count=len(CLIPS))
    return job.id
