"""The trailer task on a real video with real speech (a synthetic picture over the bundled
sample episode's audio): length, frame, title card, audio, content addressing; and the flow's
handling of a source that turns out to have no video."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np
import pytest

from podclip.core.records import AudioTrack, ClipPlan, MediaInfo, SourceMedia
from podclip.core.settings import get_settings
from podclip.scoring.types import ScoredMoment, Word
from podclip.store import ops
from podclip.store.media import MediaStore, sha256_file
from podclip.tasks.ffmpeg import probe, run_ffmpeg
from tests.support.frames import frame_at

# About the render itself: at the product's default frame rate (tests/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("default_frame_rate")]
SOURCE_SECONDS = 200


def _source(tmp_path: Path, sample_episode: Path) -> SourceMedia:
    """A 200 s H.264/AAC video (moving test pattern, the sample's speech) in the media store."""
    path = tmp_path / "episode.mp4"
    args = [
        "-f", "lavfi", "-i", f"testsrc2=s=320x180:r=24:d={SOURCE_SECONDS}",
        "-i", str(sample_episode), "-t", str(SOURCE_SECONDS), "-map", "0:v", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-c:a", "aac", "-b:a", "64k",
        str(path),
    ]  # fmt: skip
    run_ffmpeg(args, timeout=120)
    sha = sha256_file(path)
    key = f"sources/{sha}.mp4"
    MediaStore.from_settings(get_settings()).put(path, key)
    return SourceMedia(sha, key, path.stat().st_size, "episode.mp4")


def _plans() -> list[ClipPlan]:
    plans = []
    for rank, start in enumerate((10.0, 40.0, 75.0, 110.0, 140.0, 170.0), start=1):
        words = tuple(
            Word(start + i * 0.6, start + i * 0.6 + 0.5, "end." if i % 6 == 5 else "word")
            for i in range(40)
        )
        moment = ScoredMoment(start, start + 25.0, "t", "how_to", "C", 95.0 - rank, "r", "h", "q")
        plans.append(ClipPlan(f"clip_{rank}", rank, moment, words))
    return plans


def _rms(path: Path, start: float, seconds: float) -> float:
    """Root mean square of the decoded audio in ``start``..``start + seconds``."""
    samples = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            if frame.time is not None and start <= frame.time < start + seconds:
                samples.append(frame.to_ndarray().astype(np.float64).ravel())
    return float(np.sqrt(np.mean(np.concatenate(samples) ** 2))) if samples else 0.0


def test_trailer_of_a_video_episode(
    prefect_results: Path, tmp_path: Path, sample_episode: Path
) -> None:
    from podclip.tasks.trailer import plan_trailer, render_trailer, trailer_length, trailer_options

    settings = get_settings()
    opts = settings.trailer
    shape = trailer_options(opts, settings.render)
    source = _source(tmp_path, sample_episode)
    cuts = plan_trailer(_plans(), opts)
    assert opts.min_segments <= len(cuts) <= opts.max_segments
    trailer = render_trailer(source, cuts, "The Long Game", "Episode 12: Daniel Okafor", shape)

    local = MediaStore.from_settings(settings).local_path(trailer.key)
    info = probe(local)
    assert opts.min_seconds <= info.duration_seconds <= opts.max_seconds
    assert info.duration_seconds == pytest.approx(trailer_length(cuts, opts), abs=0.2)
    assert (info.width, info.height) == (trailer.width, trailer.height) == (1920, 1080)
    assert info.has_audio and info.video_codec == "h264"
    assert trailer.sha256 == sha256_file(local)

    # Title card: light text in the middle on the dark background, nothing at the edges.
    card = frame_at(local, 1.0).astype(int)
    band = card[380:700]
    text = int((band.min(axis=2) > 180).sum())
    assert text > 2000, text
    assert card[:200].max() < 60 and card[-200:].max() < 60
    # After the card: the episode's own picture (the colourful test pattern).
    picture = frame_at(local, opts.title_seconds + 3.0).astype(int)
    assert (picture.max(axis=2) - picture.min(axis=2)).mean() > 60
    # The card is silent; the cuts carry the episode's speech.
    assert _rms(local, 0.2, 1.5) < 1e-3 < _rms(local, 5.0, 10.0)

    # Content-addressed: the same request is the same file, not rendered again.
    mtime = local.stat().st_mtime_ns
    again = render_trailer(source, cuts, "The Long Game", "Episode 12: Daniel Okafor", shape)
    assert again == trailer and local.stat().st_mtime_ns == mtime

    # The flow's step asks for the same trailer and hands it to publish as an output.
    from podclip.flows.episode import _trailer_outputs

    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(
        engine,
        source_type="file",
        source_url=str(tmp_path / "episode.mp4"),
        options={"include_trailer": True},
        show_name="The Long Game",
        title="Episode 12: Daniel Okafor",
    )
    audio = AudioTrack(source.sha256, "audio/x.wav", 16000, probe(tmp_path / "episode.mp4"))
    (output,) = _trailer_outputs(engine, job, source, audio, _plans(), logging.getLogger("t"))
    assert (output.kind, output.media_path, output.sha256) == (
        "trailer",
        trailer.path,
        trailer.sha256,
    )
    assert output.duration_seconds == trailer.duration_seconds
    assert local.stat().st_mtime_ns == mtime


def test_audio_only_source_gets_no_trailer_and_a_job_event(data_root: Path) -> None:
    from podclip.flows.episode import _trailer_outputs

    engine = ops.engine_for(get_settings().resolved_database_url)
    job = ops.create_job(
        engine,
        source_type="video_url",
        source_url="https://example.com/watch",
        options={"include_trailer": True},
    )
    audio = AudioTrack("0" * 64, "audio/x.wav", 16000, MediaInfo(60.0, False, True))
    source = SourceMedia("0" * 64, "sources/x.bin", 1, "watch")
    outputs = _trailer_outputs(engine, job, source, audio, _plans(), logging.getLogger("t"))
    assert outputs == []
    events = ops.job_events_for(engine, job.id)
    assert "trailer_not_supported_for_source" in (events[-1]["message"] or "")
    assert ops.get_job(engine, job.id).status == "queued"  # the job itself goes on
