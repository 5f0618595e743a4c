"""Small test videos made with ffmpeg, and media put into the store as pipeline records."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from podclip.core.records import AudioTrack, SourceMedia
from podclip.core.settings import get_settings
from podclip.scoring.types import Word
from podclip.store.media import MediaStore, sha256_file
from podclip.tasks.ffmpeg import probe, run_ffmpeg


def plain_video(
    path: Path,
    seconds: float,
    size: str = "1280x720",
    colour: str = "0x203040",
    pattern: bool = False,
) -> Path:
    """A solid-colour (or ffmpeg test pattern) H.264 video with a 440 Hz tone, and no face."""
    kind = "testsrc2" if pattern else f"color=c={colour}:"
    picture = f"{kind}{'=' if pattern else ''}s={size}:r=24:d={seconds}"
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", picture,
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
        ],
        timeout=120,
    )  # fmt: skip
    return path


def moving_face_video(
    path: Path, face_rgb: np.ndarray, seconds: float, size: tuple[int, int] = (1280, 720)
) -> Path:
    """A real face photo (RGB array) gliding left to right over a grey frame, with a tone.

    The photo's left edge moves linearly from x=40 to x=width-side-40 over ``seconds``.
    """
    width, height = size
    side = face_rgb.shape[0]
    still = path.with_suffix(".rgb")
    still.write_bytes(np.ascontiguousarray(face_rgb, dtype=np.uint8).tobytes())
    travel = width - side - 80
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"color=c=0x808080:s={width}x{height}:r=24:d={seconds}",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{face_rgb.shape[1]}x{side}",
            "-i", str(still),
            "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={seconds}",
            "-filter_complex",
            f"[0:v][1:v]overlay=x='40+{travel}*t/{seconds}':y={(height - side) // 2}[v]",
            "-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", str(seconds), str(path),
        ],
        timeout=120,
    )  # fmt: skip
    still.unlink()
    return path


def stored(path: Path) -> tuple[SourceMedia, AudioTrack]:
    """Put ``path`` into the configured media store; the records the render stage takes."""
    store = MediaStore.from_settings(get_settings())
    sha = sha256_file(path)
    key = f"sources/{sha}{path.suffix}"
    store.put(path, key)
    source = SourceMedia(sha, key, path.stat().st_size, path.name)
    return source, AudioTrack(sha, key, 16_000, probe(path))


def spoken_words(start: float, end: float, step: float = 0.5) -> tuple[Word, ...]:
    """Evenly spaced words from ``start`` to ``end`` (seconds), one every ``step``."""
    texts = ["Listen", "to", "this", "damn", "good", "story", "about", "podcasts"]
    count = int((end - start) / step)
    return tuple(
        Word(round(start + i * step, 3), round(start + i * step + step * 0.8, 3), texts[i % 8])
        for i in range(count)
    )
