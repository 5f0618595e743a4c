"""Non-ASCII captions and headlines on rendered frames: Cyrillic, Greek and accented Latin.

Clips go through the real render path (``render_clip``: ffmpeg, libass, the packaged fonts).
A glyph the fonts lack is drawn as the same empty box whatever the letter (or not at all), so
two different strings of one script, shaped alike (same word lengths and punctuation), leave
the same ink when the glyphs are missing and different ink when they are drawn. The control
proves the check can fail: private-use code points (U+E000...), which no font has, come out
identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from podclip.core.brand import Brand
from podclip.core.fonts import DEFAULT_FONT, available_fonts
from podclip.core.presets import PRESETS, Preset
from podclip.scoring.types import Word
from podclip.tasks.captions import CAPTION_STYLES, DEFAULT_STYLE, ClipOverlay, headline_band, layout
from tests.support.media import plain_video, stored

pytestmark = pytest.mark.slow

# Pairs of one script with the same shape: word lengths and punctuation match, letters differ.
PAIRS: dict[str, tuple[str, str]] = {
    "cyrillic": ("Привет, как дела", "Добрый, наш день"),
    "greek": ("Καλημέρα κόσμε", "Ευτυχίας φίλοι"),
    # Same ASCII skeleton, different accents: only drawn diacritics tell them apart.
    "latin": ("Ça déjà vu, Straße, ñandú", "Ça dêjá vu, Straße, ñandù"),
}
# The control: code points no font covers, shaped like the Cyrillic pair.
CONTROL = (
    "\ue000\ue001\ue002\ue003\ue004\ue005, \ue006\ue007\ue008 \ue009\ue00a\ue00b\ue00c",
    "\ue010\ue011\ue012\ue013\ue014\ue015, \ue016\ue017\ue018 \ue019\ue01a\ue01b\ue01c",
)
WORD_STEP = 0.4
STRING_GAP = 0.8  # longer than a caption pause break: each string gets lines of its own
SAMPLE_AFTER = 0.15  # into each word: its line is on screen with that word highlighted
BRIGHT = 200
MIN_INK = 400  # pixels of bright ink a drawn caption or headline has at least
# Share of the ink that must differ between two drawn strings. Measured: the accent-only
# Latin pair differs by 1.2-2.3 % across the packaged fonts, the script pairs by 50-120 %, and
# the private-use control by exactly 0 (identical boxes).
MIN_DIFFERENCE = 0.004


def _timeline(strings: Sequence[str]) -> tuple[tuple[Word, ...], list[list[float]], float]:
    """Words of ``strings`` one after another; per string, the times to sample; the end."""
    words: list[Word] = []
    samples: list[list[float]] = []
    t = 0.5
    for text in strings:
        times = []
        for token in text.split():
            words.append(Word(t, t + WORD_STEP * 0.8, token))
            times.append(t + SAMPLE_AFTER)
            t += WORD_STEP
        samples.append(times)
        t += STRING_GAP
    return tuple(words), samples, t


def _frames(path: Path, times: Sequence[float]) -> list[NDArray[np.uint8]]:
    """The frames shown at ``times`` (seconds, ascending), decoded in one pass."""
    out: list[NDArray[np.uint8]] = []
    pending = list(times)
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            while pending and frame.time is not None and frame.time >= pending[0]:
                out.append(np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8))
                pending.pop(0)
    assert not pending, f"no frames at {pending} in {path}"
    return out


def _ink(rgb: NDArray[np.uint8], rows: tuple[int, int]) -> NDArray[np.bool_]:
    """Bright pixels (white or highlight yellow text) in a band of rows."""
    band = rgb[rows[0] : rows[1]]
    return np.asarray(band.max(axis=2) > BRIGHT)


def glyphs_drawn(a: Sequence[NDArray[np.bool_]], b: Sequence[NDArray[np.bool_]]) -> bool:
    """Whether two alike-shaped strings were drawn as letters: ink in both, and it differs."""
    ink_a, ink_b = int(sum(m.sum() for m in a)), int(sum(m.sum() for m in b))
    differ = int(sum((x ^ y).sum() for x, y in zip(a, b, strict=True)))
    return min(ink_a, ink_b) >= MIN_INK and differ >= MIN_DIFFERENCE * max(ink_a, ink_b)


def _render(
    tmp_path: Path,
    preset: str,
    font: str,
    words: tuple[Word, ...],
    end: float,
    headline: str | None = None,
) -> Path:
    from podclip.core.settings import get_settings
    from podclip.tasks.render import render_clip, render_options

    # The source has the frame's aspect, so the render fits it (no face tracking).
    frame = PRESETS[preset]
    size = f"{frame.width // 2}x{frame.height // 2}"
    source = tmp_path / f"plain-{size}-{end}.mp4"
    if not source.exists():
        plain_video(source, end + 0.5, size=size)
    media, audio = stored(source)
    look = render_options(get_settings().render, {}, None, None, Brand(font=font))
    overlay = ClipOverlay(headline=headline) if headline else None
    return Path(render_clip(media, audio, 0.0, end, words, preset, look, overlay).path)


def _caption_rows(frame: Preset) -> tuple[int, int]:
    lay = layout(frame, CAPTION_STYLES[DEFAULT_STYLE])
    return lay.bar_y - 3 * lay.size, lay.bar_y - 2


def _caption_masks(
    path: Path, frame: Preset, samples: list[list[float]]
) -> list[list[NDArray[np.bool_]]]:
    flat = _frames(path, [t for times in samples for t in times])
    rows = _caption_rows(frame)
    masks, index = [], 0
    for times in samples:
        masks.append([_ink(rgb, rows) for rgb in flat[index : index + len(times)]])
        index += len(times)
    return masks


def _check_captions(path: Path, frame: Preset, samples: list[list[float]], font: str) -> None:
    masks = _caption_masks(path, frame, samples)
    for number, script in enumerate(PAIRS):
        a, b = masks[2 * number], masks[2 * number + 1]
        assert glyphs_drawn(a, b), f"{font}: {script} captions not drawn"
    control_a, control_b = masks[-2], masks[-1]
    assert not glyphs_drawn(control_a, control_b), f"{font}: the control passed the check"


def test_captions_and_headline_in_every_script(prefect_results: Path, tmp_path: Path) -> None:
    """The default font on the vertical frame: captions word by word, then the headline."""
    frame = PRESETS["vertical"]
    strings = [s for pair in PAIRS.values() for s in pair] + list(CONTROL)
    words, samples, end = _timeline(strings)
    path = _render(tmp_path, "vertical", DEFAULT_FONT, words, end)
    _check_captions(path, frame, samples, DEFAULT_FONT)

    # The headline (the clip's hook) over a clip without captions, one render per string.
    rows = (frame.safe_top, frame.safe_top + headline_band(frame))
    heads = {}
    for text in strings:
        clip = _render(tmp_path, "vertical", DEFAULT_FONT, (), 1.0, headline=text)
        heads[text] = _ink(_frames(clip, [0.5])[0], rows)
    for script, (a, b) in PAIRS.items():
        assert glyphs_drawn([heads[a]], [heads[b]]), f"{script} headline not drawn"
    assert not glyphs_drawn([heads[CONTROL[0]]], [heads[CONTROL[1]]])


def test_every_offered_font_draws_every_script(prefect_results: Path, tmp_path: Path) -> None:
    """Each family a brand may choose (core.fonts), captions on the square frame."""
    fonts = available_fonts()
    assert DEFAULT_FONT in fonts
    frame = PRESETS["square"]
    strings = [s for pair in PAIRS.values() for s in pair] + list(CONTROL)
    words, samples, end = _timeline(strings)
    for font in fonts:
        path = _render(tmp_path, "square", font, words, end)
        _check_captions(path, frame, samples, font)
