"""Every task input type has a stable content identity: the same in another process, and
different when any field that can change a stage's output differs."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from podclip.core.identity import IDENTITY, identity_of
from podclip.core.records import (
    AudioTrack,
    ClipPlan,
    MediaInfo,
    RenderedClip,
    SourceMedia,
    Transcript,
)
from podclip.scoring.diarization import DiarizationOptions
from podclip.scoring.options import ScoringOptions
from podclip.scoring.shownotes import ShowNotesOptions
from podclip.scoring.types import ScoredMoment, Segment, Word
from podclip.tasks import (
    artwork,
    audio,
    captions,
    diarize,
    moments,
    render,
    shownotes,
    subtitles,
    trailer,
    transcribe,
)
from podclip.tasks.keys import StageInputs, stage_key
from podclip.tasks.whisper_models import WhisperModelRef

WORDS = (Word(0.0, 0.4, "Hi", 0.9), Word(0.5, 1.0, "there.", 0.8))
SEGMENT = Segment(0.0, 1.0, "Hi there.", WORDS, "host")
INFO = MediaInfo(62.5, True, True, 1920, 1080, 25.0, "aac", "h264", "mp4")
SOURCE = SourceMedia("ab" * 32, "sources/ab.mp4", 1000, "ep.mp4", "video/mp4")
MOMENT = ScoredMoment(
    0.0, 1.0, "Hi there.", "how_to", "education", 71.5, "why", "hook", "quote", {"how_to": 0.7}
)
MODEL = WhisperModelRef("tiny.en", "cd" * 32, "/models/tiny")
FONT = render.FontRef("DejaVu Sans", "ef" * 32, "/fonts")

EXAMPLES: dict[type, Any] = {
    Word: WORDS[0],
    Segment: SEGMENT,
    MediaInfo: INFO,
    SourceMedia: SOURCE,
    AudioTrack: AudioTrack("ab" * 32, "audio/12.wav", 16_000, INFO),
    Transcript: Transcript((SEGMENT,), "en", 1.0, "tiny.en", "cd" * 32, 0.98),
    ScoredMoment: MOMENT,
    ClipPlan: ClipPlan("clip_1", 1, MOMENT, WORDS),
    RenderedClip: RenderedClip("vertical", "k", "p", 1080, 1920, 30.0, 10, "12" * 32, "clean"),
    WhisperModelRef: MODEL,
    render.FontRef: FONT,
    audio.AudioOptions: audio.AudioOptions(16_000, 3600.0),
    transcribe.TranscriptionOptions: transcribe.TranscriptionOptions(
        MODEL, "cpu", "int8", 1, 8, True, True, None, 0.5, cpu_threads=2
    ),
    DiarizationOptions: DiarizationOptions(num_speakers=2),
    diarize.SpeakerOptions: diarize.SpeakerOptions(
        DiarizationOptions(), "resemblyzer 0.1.4 aa", "cpu", 1
    ),
    ScoringOptions: ScoringOptions(),
    moments.MomentOptions: moments.MomentOptions(ScoringOptions(), 5, "v1", "aa", "cpu"),
    ShowNotesOptions: ShowNotesOptions(),
    shownotes.NotesOptions: shownotes.NotesOptions(ShowNotesOptions(), "aa", "cpu"),
    render.RenderOptions: render.RenderOptions(
        24, 26, "ultrafast", "128k", FONT, "yellow-pop", "Show", "artwork/aa.png", "blur", 3.0
    ),
    captions.ClipOverlay: captions.ClipOverlay("hook", (captions.SpeakerTurn(0.0, 1.0, "Host"),)),
    captions.SpeakerTurn: captions.SpeakerTurn(0.0, 1.0, "Host"),
    trailer.TrailerCut: trailer.TrailerCut(1.0, 5.0),
    trailer.TrailerOptions: trailer.TrailerOptions(
        1920, 1080, 2.5, 0.4, 24, 26, "ultrafast", "128k", FONT
    ),
}
PRIMITIVES = (str, int, float, bool, type(None))
TASKS = [
    audio.extract_audio,
    transcribe.transcribe_audio,
    diarize.diarize_speakers,
    moments.score_moments,
    shownotes.build_show_notes,
    render.render_clip,
    subtitles.write_clip_captions,
    trailer.render_trailer,
    artwork.fetch_artwork,
]


def _types(hint: Any) -> list[Any]:
    """The record types a parameter annotation names (through unions and tuples)."""
    args = typing.get_args(hint)
    if not args:
        return [hint]
    return [t for a in args if a is not Ellipsis for t in _types(a)]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_every_task_input_type_has_an_example_and_a_stage_policy(task: Any) -> None:
    policies = getattr(task.cache_policy, "policies", [])
    assert any(isinstance(p, StageInputs) for p in policies), task.name
    for name, hint in typing.get_type_hints(task.fn).items():
        if name == "return":
            continue
        for kind in _types(hint):
            assert kind in PRIMITIVES or kind in EXAMPLES, f"{task.name}.{name}: {kind}"


def test_identity_is_the_same_in_another_process() -> None:
    here = {kind.__qualname__: identity_of(value) for kind, value in EXAMPLES.items()}
    code = (
        "import pickle, sys, json\n"
        "from podclip.core.identity import identity_of\n"
        "values = pickle.load(sys.stdin.buffer)\n"
        "print(json.dumps({type(v).__qualname__: identity_of(v) for v in values}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(list(EXAMPLES.values())),
        capture_output=True,
        check=True,
        timeout=120,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    )
    import json

    assert json.loads(run.stdout) == here


def _changed(value: Any) -> Any:
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return 3
    if isinstance(value, tuple):
        return (*value, value[0]) if value else ("x",)
    if isinstance(value, dict):
        return {**value, "x": 1.0}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        first = dataclasses.fields(value)[0]
        return dataclasses.replace(value, **{first.name: _changed(getattr(value, first.name))})
    raise TypeError(type(value))


@pytest.mark.parametrize("kind", list(EXAMPLES), ids=lambda k: k.__qualname__)
def test_identity_follows_every_field_that_changes_output(kind: type) -> None:
    value = EXAMPLES[kind]
    before = identity_of(value)
    assert identity_of(dataclasses.replace(value)) == before
    for f in dataclasses.fields(value):
        other = dataclasses.replace(value, **{f.name: _changed(getattr(value, f.name))})
        counts = f.metadata.get(IDENTITY, True)
        if kind is Transcript and f.name in ("duration_seconds", "language_probability"):
            counts = False  # a transcript is its model, language, words and timings
        if counts:
            assert identity_of(other) != before, f"{kind.__qualname__}.{f.name} is not in it"
        else:
            assert identity_of(other) == before, f"{kind.__qualname__}.{f.name} should not count"


def test_a_path_has_no_identity() -> None:
    with pytest.raises(TypeError, match="path"):
        identity_of(Path("/tmp/x"))


def test_stage_key_follows_inputs_and_helper_source() -> None:
    src, opts = EXAMPLES[SourceMedia], EXAMPLES[audio.AudioOptions]
    key = stage_key(audio.extract_audio, source=src, options=opts)
    assert key == stage_key(audio.extract_audio, source=src, options=opts)
    assert key != stage_key(
        audio.extract_audio, source=src, options=dataclasses.replace(opts, sample_rate=8000)
    )
    # Where the file lies is not what it is.
    moved = dataclasses.replace(src, key="elsewhere/ab.mp4", original_name="other.mp4")
    assert key == stage_key(audio.extract_audio, source=moved, options=opts)
    policy = next(p for p in transcribe.transcribe_audio.cache_policy.policies if p.helpers)
    assert set(policy.helpers) >= {"decode", "_segment", "check_language"}
