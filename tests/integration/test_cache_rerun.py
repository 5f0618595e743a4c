"""Changing any option of a stage re-runs it; changing nothing does not (real Prefect, real
ffmpeg and model, small real inputs). The key Prefect caches under is the stage key that the
lock and the storage path use too."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from prefect import flow

from podclip.core.records import AudioTrack, SourceMedia, Transcript
from podclip.core.settings import get_settings
from podclip.tasks.audio import AudioOptions, audio_options, extract_audio
from podclip.tasks.fetch import download_media
from podclip.tasks.keys import stage_key
from podclip.tasks.moments import moment_options, score_moments
from podclip.tasks.render import FontRef, render_clip, render_options
from podclip.tasks.subtitles import write_clip_captions
from podclip.tasks.transcribe import transcribe_audio, transcription_options
from tests.support.media import spoken_words

pytestmark = pytest.mark.slow


def _state(task: Any, *args: Any) -> tuple[str, Any, str | None]:
    """Run ``task`` once inside a flow; (state name, result, the key Prefect stored it under)."""

    @flow(name="cache-probe")
    def probe_flow() -> Any:
        return task(*args, return_state=True)

    state = probe_flow()
    assert state is not None
    record = state.data  # a persisted result: its storage key is the task's cache key
    stored = getattr(record.metadata, "storage_key", None)
    return state.name, state.result(), Path(stored).name if stored else None


@pytest.fixture
def sources(prefect_results: Path, shared_data: Path) -> tuple[SourceMedia, AudioTrack]:
    source = download_media.fn(str(shared_data / "picovoice" / "falcon_test.wav"))
    return source, extract_audio.fn(source, audio_options(get_settings().fetch))


def test_extract_audio_reruns_only_when_an_option_changes(
    sources: tuple[SourceMedia, AudioTrack],
) -> None:
    source, _ = sources
    opts = audio_options(get_settings().fetch)
    name, first, key = _state(extract_audio, source, opts)
    assert name == "Completed"
    assert key == stage_key(extract_audio, source=source, options=opts)
    assert first.key == f"audio/{key}.wav"  # the storage key is the stage key
    assert _state(extract_audio, source, opts)[:2] == ("Cached", first)
    # A limit decides whether the stage runs, not what it makes: still cached.
    assert _state(extract_audio, source, AudioOptions(16_000, 60.0))[0] == "Cached"
    name, other, _ = _state(extract_audio, source, AudioOptions(8_000))
    assert name == "Completed" and other.sample_rate == 8_000 and other.key != first.key


@pytest.mark.parametrize(
    "change",
    [{"beam_size": 2}, {"vad_filter": False}, {"batch_size": 1}, {"language": "en"}],
    ids=lambda c: next(iter(c)),
)
def test_transcription_reruns_when_an_option_changes(
    sources: tuple[SourceMedia, AudioTrack], change: dict[str, Any]
) -> None:
    _, audio = sources
    opts = transcription_options(get_settings().transcribe, {})
    name, first, key = _state(transcribe_audio, audio, opts)
    assert name == "Completed" and first.segments
    assert key == stage_key(transcribe_audio, audio=audio, options=opts)
    assert _state(transcribe_audio, audio, opts)[:2] == ("Cached", first)
    # Threads change speed only: still cached.
    faster = dataclasses.replace(opts, cpu_threads=opts.cpu_threads + 1)
    assert _state(transcribe_audio, audio, faster)[0] == "Cached"
    name, other, other_key = _state(transcribe_audio, audio, dataclasses.replace(opts, **change))
    assert name == "Completed" and other_key != key and other.segments


def test_later_stages_rerun_when_their_options_change(
    sources: tuple[SourceMedia, AudioTrack], sample_episode: Path
) -> None:
    source, audio = sources
    transcript: Transcript = transcribe_audio.fn(
        audio, transcription_options(get_settings().transcribe, {})
    )
    scoring = moment_options(get_settings().scoring, {})
    assert _state(score_moments, transcript, scoring)[0] == "Completed"
    assert _state(score_moments, transcript, scoring)[0] == "Cached"
    assert _state(score_moments, transcript, dataclasses.replace(scoring, count=5))[0] == (
        "Completed"
    )

    words = spoken_words(1.0, 3.0)
    assert _state(write_clip_captions, "clip_1", 1.0, 3.0, words)[0] == "Completed"
    assert _state(write_clip_captions, "clip_1", 1.0, 3.0, words)[0] == "Cached"
    assert _state(write_clip_captions, "clip_1", 1.0, 3.0, words[:-1])[0] == "Completed"

    look = render_options(get_settings().render, {}, "Show")
    args = (source, audio, 1.0, 3.0, words, "square")
    name, clip, key = _state(render_clip, *args, look)
    assert name == "Completed" and key is not None and key in clip.key
    assert _state(render_clip, *args, look)[:2] == ("Cached", clip)
    assert _state(render_clip, *args, dataclasses.replace(look, ffmpeg_threads=1))[0] == "Cached"
    other_font = FontRef(look.font.name, "0" * 64, look.font.folder)
    changes: list[dict[str, Any]] = [
        {"crf": look.crf + 4},
        {"fps": look.fps + 1},
        {"x264_preset": "superfast"},
        {"font": other_font},
        {"caption_style": "clean-white"},
        {"title": "Another show"},
    ]
    keys = {clip.key}
    for change in changes:
        name, other, _ = _state(render_clip, *args, dataclasses.replace(look, **change))
        assert name == "Completed", change
        keys.add(other.key)
    assert len(keys) == len(changes) + 1, "every change is stored under its own key"
