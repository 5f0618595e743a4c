"""Decode single video frames for pixel checks."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray


def frame_at(path: Path, seconds: float) -> NDArray[np.uint8]:
    """The RGB frame shown at ``seconds`` (first frame at or after it)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.time_base is not None
        container.seek(int(max(0.0, seconds - 1.0) / stream.time_base), stream=stream)
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
    raise AssertionError(f"no frame at {seconds} s in {path}")


def caption_pixels(rgb: NDArray[np.uint8], top: float, bottom: float) -> tuple[int, int]:
    """(white, highlight-yellow) pixel counts in the band between fractions of the height."""
    h = rgb.shape[0]
    band = rgb[int(h * top) : int(h * bottom)].astype(int)
    r, g, b = band[..., 0], band[..., 1], band[..., 2]
    white = int(((r > 220) & (g > 220) & (b > 220)).sum())
    yellow = int(((r > 220) & (g > 190) & (b < 90)).sum())
    return white, yellow
