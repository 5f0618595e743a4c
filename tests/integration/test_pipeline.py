"""The whole flow on real inputs: the bundled sample and a real recording from ../shared/data."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from podclip.core.settings import get_settings
from podclip.store import ops
from podclip.store.clips import clips_for_job, outputs_for_job, row_counts, transcript_for_job
from podclip.store.media import sha256_file
from podclip.tasks.ffmpeg import probe
from tests.support.frames import caption_pixels, frame_at
from tests.support.prefect_api import with_session_api
from tests.support.task_states import task_states

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _process(source: str, show_name: str | None = None) -> ops.Job:
    from podclip.core.sources import source_for
    from podclip.flows.episode import process_episode

    engine = ops.engine_for(get_settings().resolved_database_url)
    kind, url = source_for(source)
    created = ops.create_job(engine, source_type=kind, source_url=url, show_name=show_name)
    process_episode(created.id)
    return ops.get_job(engine, created.id)


def _check_outputs(job: ops.Job, *, min_clips: int, max_clips: int) -> list[dict[str, object]]:
    assert job.status == "complete", (job.error_code, job.error_message)
    clips = clips_for_job(get_settings(), job.id)
    assert min_clips <= len(clips) <= max_clips
    assert job.clip_count == len(clips)
    assert [c["rank"] for c in clips] == list(range(1, len(clips) + 1))
    scores = [c["shareability_score"] for c in clips]
    assert scores == sorted(scores, reverse=True)
    spans = sorted((c["start_seconds"], c["end_seconds"]) for c in clips)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "clips overlap"
    for clip in clips:
        assert clip["moment_type"] and clip["category"] and clip["reason"]
        assert 0 < len(clip["hook"]) <= 120  # scoring.explain.HOOK_MAX_CHARS
        assert clip["pull_quote"] in clip["transcript_text"]
        # The default platforms need one vertical (TikTok, Reels, Shorts, LinkedIn) and one
        # landscape (X/Twitter) file per clip; clips are shorter than every platform's limit.
        renders = clip["renders"]
        assert sorted(r["preset"] for r in renders) == ["landscape", "vertical"]
        for render in renders:
            path = Path(render["media_path"])
            assert path.is_file()
            assert sha256_file(path) == render["sha256"]
            info = probe(path)
            size = {"vertical": (1080, 1920), "landscape": (1920, 1080)}[render["preset"]]
            assert (info.width, info.height) == size
            assert round(info.fps) == get_settings().render.fps
            assert info.has_audio and info.has_video
            expected = clip["end_seconds"] - clip["start_seconds"]
            assert abs(info.duration_seconds - expected) <= 0.3, (info.duration_seconds, expected)
            assert abs(render["duration_seconds"] - info.duration_seconds) < 1e-6
        assert sorted(f["kind"] for f in clip["files"]) == ["srt", "vtt"]
    return clips


def _assert_captions_burned_in(clip: dict[str, object], job_id: str) -> None:
    segments = transcript_for_job(get_settings(), job_id)
    start, end = float(clip["start_seconds"]), float(clip["end_seconds"])  # type: ignore[arg-type]
    words = [w for s in segments for w in s["words"] if start <= w["start_seconds"] < end - 1]
    word = words[len(words) // 2]
    at = word["start_seconds"] - start + 0.05
    vertical = [r for r in clip["renders"] if r["preset"] == "vertical"]  # type: ignore[attr-defined]
    path = Path(vertical[0]["media_path"])
    white, yellow = caption_pixels(frame_at(path, at), 0.58, 0.80)
    assert white > 500 and yellow > 200, (white, yellow)


# The product's defaults end to end (clip count, platforms, presets, captions), at the suite's
# 8 fps: the default 24 fps is asserted by the render tests (test_render_presets.py).
def test_sample_episode_end_to_end(prefect_results: Path, sample_episode: Path) -> None:
    job = _process(str(sample_episode), show_name="The Long Game")
    clips = _check_outputs(job, min_clips=4, max_clips=9)
    assert len(clips) == get_settings().scoring.clip_count
    _assert_captions_burned_in(clips[0], job.id)
    segments = transcript_for_job(get_settings(), job.id)
    assert segments and all(s["words"] for s in segments)
    # Diarized: both voices of the sample, and show notes with timed chapters and quotes.
    assert {s["speaker"] for s in segments} == {"host", "guest"}
    outputs = outputs_for_job(get_settings(), job.id)
    notes = outputs["show_notes"]["body"]
    assert notes.startswith("# ") and re.search(r"^- 00:00 \S", notes, re.M), notes
    assert "## Chapters" in notes and re.search(r"^- \d\d:\d\d “.+” — \S", notes, re.M)
    assert json.loads(outputs["speakers"]["body"])["guest_name"]
    counts = row_counts(get_settings(), job.id)
    assert counts["transcript_segments"] == len(segments)
    assert counts["clips"] == len(clips)
    assert counts["renders"] >= len(clips)
    first_states = task_states(str(job.flow_run_id))
    assert first_states["transcribe_audio"] == ["Completed"]

    # The same episode again, in a new process with the same data root: every stage that
    # depends only on content is a cache hit, and the first job's rows are untouched.
    env = with_session_api({**os.environ, "PODCLIP_DATA_ROOT": str(get_settings().root)})
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.run_job", str(sample_episode), "The Long Game"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rerun = json.loads(out.stdout.strip().splitlines()[-1])
    assert rerun["status"] == "complete"
    states = rerun["states"]
    for name in ("extract_audio", "transcribe_audio", "score_moments"):
        assert states[name] == ["Cached"], (name, states)
    assert states["render_clip"] == ["Cached"] * 2 * len(clips)
    assert states["diarize_speakers"] == states["build_show_notes"] == ["Cached"], states
    assert row_counts(get_settings(), job.id)["clips"] == len(clips)
    assert row_counts(get_settings(), rerun["job_id"])["clips"] == len(clips)


def test_real_recording_video_source(prefect_results: Path, shared_data: Path) -> None:
    """A real talk video (42 s): fewer clips fit, but each is a valid vertical render."""
    job = _process(str(shared_data / "auto-editor" / "example.mp4"))
    clips = _check_outputs(job, min_clips=1, max_clips=3)
    _assert_captions_burned_in(clips[0], job.id)
