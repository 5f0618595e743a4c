"""The produced look, rendered for real: headline, progress bar, speaker label, audiogram scene.

Pixel regions are checked on decoded frames (one short clip per test, vertical only). The
frames can be saved for the docs with ``PODCLIP_LOOK_FRAMES=<folder>``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from podclip.core.brand import Brand
from podclip.core.presets import PRESETS
from podclip.tasks.captions import (
    CAPTION_STYLES,
    ClipOverlay,
    SpeakerTurn,
    headline_band,
    layout,
)
from tests.support.frames import caption_pixels, frame_at
from tests.support.media import plain_video, spoken_words, stored

# About the render itself: at the product's default frame rate (tests/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("default_frame_rate")]
START, END = 20.0, 28.0
ACCENT = (255, 40, 40)
BRAND = Brand(primary="#FF2828", secondary="#102040")
OVERLAY = ClipOverlay(
    headline="Why the best podcast hooks land in the first three seconds",
    speakers=(SpeakerTurn(START, 24.0, "Host"), SpeakerTurn(24.0, END, "Ada Lovelace")),
)
VERTICAL = PRESETS["vertical"]


def _render(source: Path, artwork: str | None = None) -> Path:
    from podclip.core.settings import get_settings
    from podclip.tasks.render import render_clip, render_options

    media, audio = stored(source)
    look = render_options(get_settings().render, {}, "The Long Game", artwork, BRAND)
    words = spoken_words(START, END)
    clip = render_clip(media, audio, START, END, words, "vertical", look, OVERLAY)
    return Path(clip.path)


def _frames(path: Path, name: str, *times: float) -> list[NDArray[np.uint8]]:
    frames = [frame_at(path, t) for t in times]
    folder = os.environ.get("PODCLIP_LOOK_FRAMES")
    if folder:
        from PIL import Image

        Image.fromarray(frames[-1]).resize((360, 640)).save(Path(folder) / f"{name}.png")
    return frames


def _accent(rgb: NDArray[np.uint8]) -> NDArray[np.bool_]:
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (r > 200) & (g < 90) & (b < 90)


def _bar_length(rgb: NDArray[np.uint8]) -> int:
    bar = layout(VERTICAL, CAPTION_STYLES["yellow-pop"]).bar_y + 4
    return int(_accent(rgb[bar : bar + 1]).sum())


def _check_headline_and_bar(early: NDArray[np.uint8], late: NDArray[np.uint8]) -> None:
    h = VERTICAL.height
    top = VERTICAL.safe_top / h
    band = (VERTICAL.safe_top + headline_band(VERTICAL)) / h
    white, _ = caption_pixels(early, top, band)
    assert white > 2000, white
    # Nothing of the headline above the safe area.
    assert caption_pixels(early, 0.0, (VERTICAL.safe_top - 2) / h)[0] == 0
    short, long = _bar_length(early), _bar_length(late)
    assert 0 < short < long <= VERTICAL.safe_width, (short, long)
    assert long > 0.6 * VERTICAL.safe_width


def test_vertical_video_has_headline_bar_and_speaker(prefect_results: Path, tmp_path: Path) -> None:
    path = _render(plain_video(tmp_path / "plain.mp4", END + 1))
    early, late = _frames(path, "look-vertical-video", 1.5, 6.5)
    _check_headline_and_bar(early, late)
    # The second speaker's label (accent colour) shows under the captions after the change.
    bar_y = layout(VERTICAL, CAPTION_STYLES["yellow-pop"]).bar_y
    label = late[bar_y - 140 : bar_y]
    assert _accent(label).sum() > 200


def test_audiogram_artwork_blur_and_waveform(
    prefect_results: Path, sample_episode: Path, tmp_path: Path
) -> None:
    from podclip.core.settings import get_settings
    from podclip.store.media import MediaStore
    from podclip.tasks.ffmpeg import run_ffmpeg
    from podclip.tasks.render import artwork_box, wave_box

    art = tmp_path / "art.png"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=0xFF00FF:s=600x600", "-frames:v", "1", str(art)], timeout=60
    )
    MediaStore.from_settings(get_settings()).put(art, "artwork/test.png")
    path = _render(sample_episode, "artwork/test.png")
    early, late = _frames(path, "look-audiogram", 1.5, 6.5)
    _check_headline_and_bar(early, late)
    x, y, side = artwork_box(VERTICAL)
    assert side >= 0.5 * VERTICAL.safe_width
    r, g, b = (int(c) for c in late[y + side // 2, x + side // 2])
    assert r > 200 and g < 60 and b > 200, (r, g, b)
    # Around it, the blurred and darkened copy: magenta hue, darker than the artwork.
    r, g, b = (int(c) for c in late[y + side // 2, 20])
    assert 60 < r < 220 and g < 60 and 60 < b < 220, (r, g, b)
    # The waveform: accent pixels across the full width while someone speaks.
    wave_y, wave_h = wave_box(VERTICAL, True)
    wave = _accent(late[wave_y : wave_y + wave_h])
    assert wave.sum() > 3000
    columns = np.flatnonzero(wave.any(axis=0))
    assert columns.min() < 0.1 * VERTICAL.width and columns.max() > 0.9 * VERTICAL.width


@pytest.mark.parametrize("preset", ["vertical", "landscape"])
def test_audiogram_background_is_the_same_gradient_in_every_render(
    preset: str, tmp_path: Path
) -> None:
    """Top-left the darkened accent, bottom-right the secondary colour, blended in between along
    the line from the corner to a third of the bottom edge; drawn alike every time."""
    from podclip.core.brand import shade
    from podclip.core.settings import get_settings
    from podclip.tasks.ffmpeg import run_ffmpeg
    from podclip.tasks.render import background_source, render_options

    frame = PRESETS[preset]
    look = render_options(get_settings().render, {}, "The Long Game", None, BRAND)
    source = background_source(frame, 8, look)
    pictures = []
    for i in range(3):
        out = tmp_path / f"background-{i}.rgb"
        run_ffmpeg(
            ["-f", "lavfi", "-i", source, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24",
             str(out)],
            timeout=60,
        )  # fmt: skip
        pictures.append(np.frombuffer(out.read_bytes(), np.uint8).reshape(frame.height, -1, 3))
    assert all(np.array_equal(pictures[0], p) for p in pictures[1:])

    def rgb(value: str) -> NDArray[np.int_]:
        return np.asarray([int(value.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)])

    top, bottom = rgb(shade(BRAND.primary, 0.55)), rgb(BRAND.secondary)
    w, h = frame.width, frame.height
    picture = pictures[0].astype(int)
    assert np.abs(picture[0, 0] - top).max() <= 8, picture[0, 0]
    assert np.abs(picture[h - 1, w - 1] - bottom).max() <= 8, picture[h - 1, w - 1]
    # Halfway along the gradient line, half of each colour.
    x, y = w // 6, h // 2
    assert np.abs(picture[y, x] - (top + bottom) / 2).max() <= 10, picture[y, x]
