"""Long-form transcription on espeak-ng speech of a real transcript, with the default settings.

Four minutes of rev16-train episode 10 (an interview) spoken by ``scripts/make_longform.py``;
the whole episodes are measured by ``benchmarks/bench_transcribe.py``. Measured here with the
defaults (tiny.en, beam 3, repair on): about 0.13 WER on the first ten minutes.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from podclip.core.settings import TranscribeSettings
from podclip.scoring.types import Segment
from podclip.tasks.transcribe import Decoded, decode, transcription_options
from podclip.tasks.transcript_repair import find_suspects, repair_segments
from podclip.tasks.whisper_models import load_model
from tests.support.wer import normalise_numbers, word_errors

pytestmark = pytest.mark.slow
SECONDS = 240.0
WER_BOUND = 0.25


def _make_longform(repo_root: Path) -> ModuleType:
    path = repo_root / "scripts" / "make_longform.py"
    spec = importlib.util.spec_from_file_location("make_longform", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def spoken(
    repo_root: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """Episode 10's first four minutes as speech, and its timed reference sentences."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    maker = _make_longform(repo_root)
    reference = maker.build("10", tmp_path_factory.mktemp("longform"), max_seconds=SECONDS)
    return reference.parent / "episode.mp3", json.loads(reference.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def decoded(spoken: tuple[Path, dict[str, Any]]) -> tuple[Decoded, Any]:
    options = transcription_options(TranscribeSettings(device="cpu"), {})
    model = load_model(options.model.path, options.device, options.compute_type, 2)
    return decode(model, str(spoken[0]), options), model


def _wer(reference: dict[str, Any], segments: tuple[Segment, ...] | list[Segment]) -> float:
    ref = normalise_numbers(" ".join(s["text"] for s in reference["sentences"]))
    hyp = normalise_numbers(" ".join(w.text for s in segments for w in s.words))
    return word_errors(ref, hyp) / len(ref)


def test_long_form_speech_within_the_wer_bound(
    spoken: tuple[Path, dict[str, Any]], decoded: tuple[Decoded, Any]
) -> None:
    result, _ = decoded
    assert result.duration_seconds >= SECONDS - 5
    wer = _wer(spoken[1], result.segments)
    assert wer <= WER_BOUND, f"WER {wer:.3f} above {WER_BOUND}"
    # Clean speech read at an even pace: nothing should look looped or dropped afterwards.
    assert find_suspects(result.segments, result.duration_seconds) == []


def test_repair_brings_back_a_dropped_chunk(
    spoken: tuple[Path, dict[str, Any]], decoded: tuple[Decoded, Any]
) -> None:
    """Drop one decoded chunk, as batched decoding sometimes does, and let repair find it."""
    from faster_whisper.audio import decode_audio

    result, model = decoded
    segments = list(result.segments)
    middle = max(range(1, len(segments) - 1), key=lambda i: len(segments[i].words))
    lost = segments.pop(middle)
    samples = decode_audio(str(spoken[0]), sampling_rate=16_000)
    damaged = _wer(spoken[1], segments)

    repaired = repair_segments(model, samples, segments, "en", result.duration_seconds)

    words_back = sum(len(s.words) for s in repaired) - sum(len(s.words) for s in segments)
    assert words_back >= 0.7 * len(lost.words)
    assert _wer(spoken[1], repaired) < damaged - 0.05
    assert [s.start for s in repaired] == sorted(s.start for s in repaired)
