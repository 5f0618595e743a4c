"""A show's brand kit: logo, two colours, caption font and default caption style.

Set through ``PUT /v1/shows/{name}/brand``; the episode flow reads it when it builds the
render options record, so every field here is part of the render cache identity (a brand
change re-renders). The logo is stored in the media store by content (``brand/<sha256>.png``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_PRIMARY = "#F5C542"
DEFAULT_SECONDARY = "#14161C"


@dataclass(frozen=True)
class Brand:
    """One show's look; ``None`` fields fall back to the job's options and the defaults."""

    primary: str = DEFAULT_PRIMARY
    """Accent colour ``#RRGGBB``: waveform, progress bar, gradient."""
    secondary: str = DEFAULT_SECONDARY
    """Background colour ``#RRGGBB``: headline box, gradient."""
    font: str | None = None
    """Font family from :mod:`podclip.core.fonts` (None: the render setting's)."""
    caption_style: str | None = None
    """Default caption style when a job names none."""
    logo: str | None = None
    """Media-store key of the logo PNG (``brand/<sha256>.png``)."""


def valid_colour(value: str) -> bool:
    """Whether ``value`` is a ``#RRGGBB`` colour."""
    return bool(HEX_COLOUR.match(value))


def ffmpeg_colour(value: str) -> str:
    """``#RRGGBB`` as ffmpeg's ``0xRRGGBB``."""
    return "0x" + value.lstrip("#").upper()


def ass_colour(value: str, alpha: int = 0) -> str:
    """``#RRGGBB`` as ASS ``&HAABBGGRR`` (alpha 0 is opaque, 255 transparent)."""
    rgb = value.lstrip("#").upper()
    return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"


def shade(value: str, factor: float) -> str:
    """``value`` with each channel multiplied by ``factor`` (0..1 darkens), as ``#RRGGBB``."""
    rgb = value.lstrip("#")
    channels = [min(255, round(int(rgb[i : i + 2], 16) * factor)) for i in (0, 2, 4)]
    return "#" + "".join(f"{c:02X}" for c in channels)
