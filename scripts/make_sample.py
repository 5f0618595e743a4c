"""Build podclip's bundled demo episode from podclip/sample/script.txt.

The episode is synthetic speech: every line of script.txt (``HOST: ...`` or
``GUEST: ...``) is spoken by the espeak-ng text-to-speech engine, with one
voice for the host and another for the guest. The turns are joined with short
pauses and encoded to podclip/sample/episode.mp3 (mono, 22050 Hz, 48 kbit/s).
The exact start/end second of every turn in the final audio is written to
podclip/sample/turns.json, which the tests use as the reference transcript
and speaker attribution.

Requirements:
  * espeak-ng on PATH. On Debian/Ubuntu: ``apt-get install espeak-ng``
  * the Python package ``imageio_ffmpeg`` (for its bundled ffmpeg binary,
    which must include the libmp3lame encoder)

Usage (from the project root):
    python scripts/make_sample.py

The output is deterministic: same script.txt + same espeak-ng version gives
the same timings and, with the same ffmpeg build, the same MP3 bytes.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "podclip" / "sample"
SCRIPT = SAMPLE_DIR / "script.txt"
EPISODE = SAMPLE_DIR / "episode.mp3"
TURNS = SAMPLE_DIR / "turns.json"

SAMPLE_RATE = 22050  # espeak-ng's native output rate
# espeak-ng settings per speaker: voice (+variant), speed in words per minute, pitch (0-99).
VOICES = {
    "host": {"voice": "en-gb+f4", "speed": 165, "pitch": 55},
    "guest": {"voice": "en-us+m1", "speed": 162, "pitch": 40},
}
LEAD_IN = 0.30  # seconds of silence before the first turn
TAIL = 0.50  # seconds of silence after the last turn
EDGE_PAD = 0.03  # seconds kept around speech when trimming each turn
SILENCE_THRESHOLD = 300  # |sample| above this (16-bit) counts as speech


def gap_after(index: int) -> float:
    """Deterministic pause after turn `index`: 0.35 .. 0.70 s."""
    return 0.35 + 0.05 * ((index * 3) % 8)


def parse_script(path: Path) -> list[dict]:
    turns = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        label, sep, text = line.partition(":")
        speaker = label.strip().lower()
        if not sep or speaker not in VOICES or not text.strip():
            raise SystemExit(f"{path}:{lineno}: expected 'HOST: text' or 'GUEST: text'")
        turns.append({"speaker": speaker, "text": text.strip()})
    return turns


def synthesise(text: str, voice: Mapping[str, object], out: Path) -> None:
    """Speak `text` with espeak-ng into a WAV; `voice` holds voice, speed (wpm) and pitch."""
    subprocess.run(
        [
            "espeak-ng",
            "-v",
            str(voice["voice"]),
            "-s",
            str(voice["speed"]),
            "-p",
            str(voice["pitch"]),
            "-w",
            str(out),
            text,
        ],
        check=True,
    )


def speak_turns(
    turns: Sequence[tuple[Mapping[str, object], str]],
    out_wav: Path,
    gap: Callable[[int], float] = gap_after,
) -> list[tuple[float, float]]:
    """Speak (voice, text) turns one after another into one WAV; each turn's (start, end) s.

    Each turn is synthesised, trimmed of its own leading and trailing silence, and followed by
    `gap(i)` seconds of silence (TAIL after the last), after LEAD_IN seconds of lead-in.
    """
    pcm = [silence(LEAD_IN)]
    pos = len(pcm[0]) // 2  # position in samples
    spans: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="podclip-speak-") as tmp:
        for i, (voice, text) in enumerate(turns):
            raw = Path(tmp) / f"raw_{i:04d}.wav"
            synthesise(text, voice, raw)
            speech = read_trimmed_pcm(raw)
            spans.append((pos / SAMPLE_RATE, (pos + len(speech) // 2) / SAMPLE_RATE))
            pause = silence(gap(i) if i < len(turns) - 1 else TAIL)
            pcm += [speech, pause]
            pos += (len(speech) + len(pause)) // 2
    write_wav(out_wav, b"".join(pcm))
    return spans


def read_trimmed_pcm(path: Path) -> bytes:
    """Return the WAV's 16-bit mono PCM with leading/trailing silence cut."""
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, SAMPLE_RATE):
            raise SystemExit(f"unexpected espeak-ng WAV format in {path}")
        data = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(data) // 2}h", data)
    loud = [i for i, s in enumerate(samples) if abs(s) > SILENCE_THRESHOLD]
    if not loud:
        return data
    pad = int(EDGE_PAD * SAMPLE_RATE)
    first = max(0, loud[0] - pad)
    last = min(len(samples), loud[-1] + 1 + pad)
    return data[first * 2 : last * 2]


def write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)


def silence(seconds: float) -> bytes:
    return b"\x00\x00" * round(seconds * SAMPLE_RATE)


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("espeak-ng not found; install it with: apt-get install espeak-ng", file=sys.stderr)
        return 1
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    turns = parse_script(SCRIPT)

    with tempfile.TemporaryDirectory(prefix="podclip-sample-") as tmp:
        wav = Path(tmp) / "episode.wav"
        spans = speak_turns([(VOICES[t["speaker"]], t["text"]) for t in turns], wav)
        records = [
            {"speaker": t["speaker"], "start": round(a, 3), "end": round(b, 3), "text": t["text"]}
            for t, (a, b) in zip(turns, spans, strict=True)
        ]
        subprocess.run(
            [
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(wav),
                "-map_metadata",
                "-1",
                "-fflags",
                "+bitexact",
                "-flags:a",
                "+bitexact",
                "-ac",
                "1",
                "-ar",
                str(SAMPLE_RATE),
                "-c:a",
                "libmp3lame",
                "-b:a",
                "48k",
                str(EPISODE),
            ],
            check=True,
        )
        total = spans[-1][1] + TAIL

    TURNS.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    size = EPISODE.stat().st_size
    print(f"wrote {EPISODE}: {total:.2f} s ({total / 60:.2f} min), {size / 1024:.0f} KiB")
    print(f"wrote {TURNS}: {len(records)} turns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
