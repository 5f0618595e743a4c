"""Speak real podcast transcripts with espeak-ng: long-form audio with an exact reference text.

No long real recording with a reference transcript ships with the project, so this script makes
some: each ``rev16-train/<N>.turns.txt`` (human transcripts of real interview episodes) is spoken
sentence by sentence by espeak-ng, one voice per speaker, with short pauses inside a turn and
longer ones between turns. Speaking sentence by sentence gives the start and end second of
every sentence, so word error rate can be measured in 10-minute pieces (drift, loops and dropped
passages show up as a jump in one piece).

Writes, per episode, under the output folder (default ``data/longform/``, outside git):
``<N>/episode.mp3`` (mono 22050 Hz, 48 kbit/s, as the bundled sample) and ``<N>/reference.json``
(``{"episode", "title", "duration_seconds", "sentences": [{"speaker", "start", "end",
"text"}]}``). An episode already made with the same settings is skipped.

Usage (from the project root; needs Debian's ``espeak-ng``):
    python scripts/make_longform.py                 # episodes 10, 9 and 23
    python scripts/make_longform.py 10 --max-seconds 240 --out /tmp/lf
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample import SAMPLE_RATE, gap_after, read_trimmed_pcm, silence

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPTS = ROOT.parent / "shared" / "data" / "transcripts" / "rev16-train"
DEFAULT_OUT = ROOT / "data" / "longform"
# Interview episodes of 40-70 minutes when spoken (rev16-train/SOURCE.md): 10, 9, 23.
DEFAULT_EPISODES = ("10", "9", "23")
# espeak-ng voice, speed (words per minute) and pitch (0-99) per speaker, in order of first turn;
# the first two are the bundled sample's host and guest.
VOICES: tuple[tuple[str, int, int], ...] = (
    ("en-gb+f4", 165, 55),
    ("en-us+m1", 162, 40),
    ("en-us+f2", 170, 60),
    ("en-gb-scotland+m3", 160, 35),
    ("en-us+m4", 168, 45),
    ("en-gb+f3", 158, 65),
)
SENTENCE_GAP = 0.18  # seconds between two sentences of one turn
WORKERS = 2  # espeak-ng processes at once
_TURN = re.compile(r"^\[speaker (\d+)\]\s*(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=\S)")


@dataclass(frozen=True)
class Sentence:
    """One spoken sentence: speaker id (as in the transcript) and its text."""

    speaker: str
    text: str
    turn: int


def read_turns(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """The episode title and its ``(speaker, text)`` turns."""
    title, turns = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# Rev16 file") and not title:
            title = line.split(":", 1)[1].strip()
        match = _TURN.match(line.strip())
        if match and match.group(2).strip():
            turns.append((match.group(1), match.group(2).strip()))
    return title, turns


def split_sentences(turns: list[tuple[str, str]]) -> list[Sentence]:
    """Every turn cut at sentence ends; very long sentences stay whole (espeak copes)."""
    return [
        Sentence(speaker, part.strip(), index)
        for index, (speaker, text) in enumerate(turns)
        for part in _SENTENCE_END.split(text)
        if re.search(r"[A-Za-z0-9]", part)
    ]


def speak(sentence: Sentence, voice: tuple[str, int, int], out: Path) -> bytes:
    """espeak-ng's 16-bit PCM for one sentence, silence at both ends trimmed."""
    name, speed, pitch = voice
    # "--" ends the options: a sentence may start with "-".
    command = ["espeak-ng", "-v", name, "-s", str(speed), "-p", str(pitch), "-w", str(out), "--"]
    subprocess.run([*command, sentence.text], check=True, capture_output=True, timeout=300)
    return read_trimmed_pcm(out)


def build(episode: str, out_dir: Path, max_seconds: float | None = None) -> Path:
    """Speak one episode into ``out_dir/<episode>/``; returns the reference.json path."""
    source = TRANSCRIPTS / f"{episode}.turns.txt"
    title, turns = read_turns(source)
    sentences = split_sentences(turns)
    target = out_dir / episode
    reference, audio = target / "reference.json", target / "episode.mp3"
    stamp = _stamp(source, max_seconds)
    made = reference.exists() and audio.exists()
    if made and json.loads(reference.read_text(encoding="utf-8")).get("stamp") == stamp:
        return reference
    target.mkdir(parents=True, exist_ok=True)
    voices: dict[str, tuple[str, int, int]] = {}
    for sentence in sentences:
        voices.setdefault(sentence.speaker, VOICES[len(voices) % len(VOICES)])
    with tempfile.TemporaryDirectory(prefix="podclip-longform-") as tmp:
        records, wav = _render(sentences, voices, Path(tmp), max_seconds)
        _encode(wav, audio)
    duration = float(str(records[-1]["end"])) + 0.5 if records else 0.0
    document = {
        "episode": episode,
        "title": title,
        "source": f"rev16-train/{episode}.turns.txt",
        "stamp": stamp,
        "duration_seconds": round(duration, 3),
        "voices": {speaker: list(voice) for speaker, voice in voices.items()},
        "sentences": records,
    }
    reference.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return reference


def _render(
    sentences: list[Sentence],
    voices: dict[str, tuple[str, int, int]],
    tmp: Path,
    max_seconds: float | None,
) -> tuple[list[dict[str, object]], Path]:
    """Speak every sentence (two espeak-ng at once) and lay them end to end in one WAV."""
    wav_path = tmp / "episode.wav"
    records: list[dict[str, object]] = []
    position = 0  # samples written so far

    def job(index: int) -> bytes:
        sentence = sentences[index]
        return speak(sentence, voices[sentence.speaker], tmp / f"s{index % 32}.wav")

    with wave.open(str(wav_path), "wb") as out, ThreadPoolExecutor(WORKERS) as pool:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(silence(0.3))
        position += int(0.3 * SAMPLE_RATE)
        # One chunk at a time: its 32 sentences use 32 different temporary files.
        for chunk in range(0, len(sentences), 32):
            indices = range(chunk, min(chunk + 32, len(sentences)))
            for index, pcm in zip(indices, pool.map(job, indices), strict=True):
                sentence = sentences[index]
                start = position
                out.writeframes(pcm)
                position += len(pcm) // 2
                records.append(
                    {
                        "speaker": sentence.speaker,
                        "start": round(start / SAMPLE_RATE, 3),
                        "end": round(position / SAMPLE_RATE, 3),
                        "text": sentence.text,
                    }
                )
                last_of_turn = index + 1 == len(sentences) or (
                    sentences[index + 1].turn != sentence.turn
                )
                if max_seconds is not None and position / SAMPLE_RATE >= max_seconds:
                    break
                gap = gap_after(sentence.turn) if last_of_turn else SENTENCE_GAP
                out.writeframes(silence(gap))
                position += round(gap * SAMPLE_RATE)
            if max_seconds is not None and position / SAMPLE_RATE >= max_seconds:
                break
        out.writeframes(silence(0.5))
    return records, wav_path


def _encode(wav: Path, mp3: Path) -> None:
    """MP3 as the bundled sample (mono, 22050 Hz, 48 kbit/s); cut at the last kept sentence."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
            "-map_metadata", "-1", "-ac", "1", "-ar", str(SAMPLE_RATE),
            "-c:a", "libmp3lame", "-b:a", "48k", str(mp3),
        ],
        check=True,
        timeout=1800,
    )  # fmt: skip


def _stamp(source: Path, max_seconds: float | None) -> str:
    """What the output depends on: the transcript, the voices, the limit and espeak's version."""
    version = subprocess.run(
        ["espeak-ng", "--version"], check=True, capture_output=True, text=True
    ).stdout
    parts = [source.read_bytes(), repr((VOICES, SENTENCE_GAP, max_seconds)).encode()]
    return hashlib.sha256(b"\0".join([*parts, version.encode()])).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("episodes", nargs="*", default=list(DEFAULT_EPISODES))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--max-seconds", type=float, default=None, help="stop after this much")
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print("espeak-ng not found; install it with: apt-get install espeak-ng", file=sys.stderr)
        return 1
    for episode in args.episodes:
        reference = build(episode, args.out, args.max_seconds)
        document = json.loads(reference.read_text(encoding="utf-8"))
        minutes = document["duration_seconds"] / 60
        print(f"{reference.parent}: {minutes:.1f} min, {len(document['sentences'])} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
