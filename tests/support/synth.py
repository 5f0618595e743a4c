"""Speak a stretch of a real transcript with espeak-ng, a voice per speaker, with known times.

The speaking itself is `scripts/make_sample.py`'s `speak_turns` (the code that made the bundled
sample), loaded from its file so there is one copy. A stretch is cut from a `*.turns.txt`
transcript at turn boundaries; every turn keeps its character span in the file, so a labelled
passage (file offsets) maps to audio seconds by interpolating within the turns that hold it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
# Distinct espeak-ng voices, given to speakers in order of first appearance.
VOICES: tuple[dict[str, object], ...] = (
    {"voice": "en-us+m1", "speed": 165, "pitch": 40},
    {"voice": "en-gb+f4", "speed": 168, "pitch": 60},
    {"voice": "en-us+m3", "speed": 160, "pitch": 30},
    {"voice": "en-gb+f2", "speed": 170, "pitch": 70},
    {"voice": "en-us+m7", "speed": 162, "pitch": 50},
)
_SPEAKER = re.compile(r"\[speaker ([^\]]+)\]\s*")


@dataclass(frozen=True)
class Turn:
    """A speaker turn of the stretch: its text, its span in the file, and in the audio (s)."""

    speaker: str
    text: str
    char_start: int
    char_end: int
    start: float = 0.0
    end: float = 0.0


@functools.cache
def make_sample() -> ModuleType:
    """`scripts/make_sample.py` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_sample", REPO / "scripts/make_sample.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def espeak_available() -> bool:
    """Whether espeak-ng is on PATH."""
    return shutil.which("espeak-ng") is not None


def read_turns(path: Path, char_start: int, char_end: int) -> list[Turn]:
    """The turns of a `*.turns.txt` file that start inside [char_start, char_end)."""
    text = path.read_text(encoding="utf-8")
    marks = list(_SPEAKER.finditer(text))
    turns: list[Turn] = []
    for k, mark in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        body = text[mark.end() : end].rstrip()
        if char_start <= mark.end() < char_end and body:
            turns.append(
                Turn(mark.group(1), " ".join(body.split()), mark.end(), mark.end() + len(body))
            )
    return turns


def speak(turns: list[Turn], cache_dir: Path) -> tuple[Path, list[Turn]]:
    """A WAV of the turns (cached in `cache_dir` by content) and the turns with their times."""
    order = list(dict.fromkeys(t.speaker for t in turns))
    voices = [VOICES[order.index(t.speaker) % len(VOICES)] for t in turns]
    version = subprocess.run(
        ["espeak-ng", "--version"], capture_output=True, text=True, check=True
    ).stdout
    key = hashlib.sha256(
        json.dumps([version, [(v, t.text) for v, t in zip(voices, turns, strict=True)]]).encode()
    ).hexdigest()[:16]
    wav, times = cache_dir / f"speech-{key}.wav", cache_dir / f"speech-{key}.json"
    if not (wav.is_file() and times.is_file()):
        spans = make_sample().speak_turns(
            list(zip(voices, [t.text for t in turns], strict=True)), wav
        )
        times.write_text(json.dumps(spans), encoding="utf-8")
    spans = json.loads(times.read_text(encoding="utf-8"))
    timed = [
        Turn(t.speaker, t.text, t.char_start, t.char_end, a, b)
        for t, (a, b) in zip(turns, spans, strict=True)
    ]
    return wav, timed


def char_to_seconds(turns: list[Turn], offset: int) -> float:
    """Audio time of a character offset of the file, interpolated within its turn."""
    for t in turns:
        if offset <= t.char_end:
            share = max(0.0, offset - t.char_start) / max(1, t.char_end - t.char_start)
            return t.start + min(1.0, share) * (t.end - t.start)
    return turns[-1].end
