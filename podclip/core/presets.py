"""Output presets (frame sizes with safe areas) and the platforms that use them.

One source of truth for the API (validation, ``rendered_urls``), the flow (what to render) and
the renderer (frame size, where captions may go). Platform length limits are the products'
upload limits for a short-form post as we read them in 2025 (see ``PLATFORMS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """An output frame (pixels) and the insets that platform UI overlays cover."""

    name: str
    width: int
    height: int
    safe_top: int = 0
    safe_bottom: int = 0
    safe_left: int = 0
    safe_right: int = 0

    @property
    def safe_width(self) -> int:
        return self.width - self.safe_left - self.safe_right

    @property
    def safe_height(self) -> int:
        return self.height - self.safe_top - self.safe_bottom

    @property
    def aspect(self) -> float:
        return self.width / self.height


@dataclass(frozen=True)
class Platform:
    """Where a clip is posted: presets it accepts (preferred first) and its length limit."""

    name: str
    presets: tuple[str, ...]
    max_seconds: float


# Safe areas: TikTok/Reels/Shorts put the caption, handle and music row over the bottom
# ~20-25 % and the like/comment/share rail over the right ~12 %; the top ~8 % holds the
# "Following | For You" tabs. We take the union of the three products' published templates,
# so one vertical file is safe on all of them. Feed formats (4:5, 1:1, 16:9) only need a margin.
PRESETS: dict[str, Preset] = {
    "vertical": Preset(
        "vertical", 1080, 1920, safe_top=160, safe_bottom=480, safe_left=60, safe_right=140
    ),
    "portrait": Preset(
        "portrait", 1080, 1350, safe_top=70, safe_bottom=110, safe_left=60, safe_right=60
    ),
    "square": Preset(
        "square", 1080, 1080, safe_top=60, safe_bottom=80, safe_left=60, safe_right=60
    ),
    "landscape": Preset(
        "landscape", 1920, 1080, safe_top=60, safe_bottom=90, safe_left=100, safe_right=100
    ),
}
DEFAULT_PRESET = "vertical"

# Length limits (seconds) for uploading one short-form post, as of 2025:
# - TikTok: 10 min uploaded from the app (60 min from desktop web for some accounts); we use 600.
# - Instagram Reels: 90 s was the long-standing limit; Instagram announced 3 min in Jan 2025,
#   but clips over 90 s are not recommended to non-followers, so 90 keeps reach. 90.
# - YouTube Shorts: 180 s since 15 Oct 2024 (60 s before); Shorts over 60 s with a Content ID
#   claim are blocked, which does not apply to the creator's own episode. 180.
# - LinkedIn: native video up to 10 min (web/app upload, 15 min desktop); we use 600.
# - X/Twitter: 140 s (2 min 20 s) for accounts without Premium.
# - YouTube (regular): no short-form limit that matters for clips; 600 keeps it sane.
PLATFORMS: dict[str, Platform] = {
    "tiktok": Platform("tiktok", ("vertical",), 600.0),
    "reels": Platform("reels", ("vertical",), 90.0),
    "shorts": Platform("shorts", ("vertical",), 180.0),
    "youtube_shorts": Platform("youtube_shorts", ("vertical",), 180.0),
    "instagram": Platform("instagram", ("vertical",), 90.0),
    # LinkedIn shows both 4:5 and 9:16; portrait is preferred in the feed, vertical is reused
    # when another chosen platform renders it anyway (one file fewer per clip).
    "linkedin": Platform("linkedin", ("portrait", "vertical"), 600.0),
    "twitter": Platform("twitter", ("landscape",), 140.0),
    "x": Platform("x", ("landscape",), 140.0),
    "youtube": Platform("youtube", ("landscape",), 600.0),
}
# What a job renders for when it names no platforms.
DEFAULT_PLATFORMS: tuple[str, ...] = ("tiktok", "reels", "shorts", "linkedin", "twitter", "x")
# A render this much over a limit (container rounding, last audio frame) still counts as within.
LENGTH_TOLERANCE = 0.25


def platform(name: str) -> Platform:
    """The platform called ``name`` (case-insensitive); KeyError when unknown."""
    return PLATFORMS[name.lower()]


def platform_names(names: Iterable[str]) -> list[str]:
    """The names lower-cased, each once, in order; ValueError naming the first unknown one."""
    chosen = list(dict.fromkeys(name.lower() for name in names))
    unknown = [name for name in chosen if name not in PLATFORMS]
    if unknown:
        raise ValueError(f"Unknown platform {unknown[0]!r}; known: {', '.join(PLATFORMS)}.")
    return chosen


def _known(platforms: Iterable[str]) -> list[Platform]:
    seen: dict[str, Platform] = {}
    for name in platforms:
        p = platform(name)
        seen.setdefault(p.name, p)
    return list(seen.values())


def preset_for_platform(name: str, rendered: Iterable[str]) -> str | None:
    """The first of the platform's presets (in preference order) that is in ``rendered``."""
    have = set(rendered)
    return next((p for p in platform(name).presets if p in have), None)


def presets_for(platforms: Iterable[str]) -> list[str]:
    """The fewest presets that give every platform one it accepts (in PRESETS order).

    A platform whose only presets are fixed claims them first; a platform with a choice
    (LinkedIn) reuses one already claimed, else takes its preferred one.
    """
    chosen = _known(platforms)
    needed: set[str] = {p.presets[0] for p in chosen if len(p.presets) == 1}
    for p in chosen:
        if not needed.intersection(p.presets):
            needed.add(p.presets[0])
    return [name for name in PRESETS if name in needed]


def platforms_by_preset(platforms: Iterable[str]) -> dict[str, list[str]]:
    """preset → the chosen platforms served by it (each platform under exactly one preset)."""
    needed = presets_for(platforms)
    out: dict[str, list[str]] = {name: [] for name in needed}
    for p in _known(platforms):
        out[next(x for x in p.presets if x in needed)].append(p.name)
    return out


def max_seconds_for(platforms: Iterable[str]) -> float | None:
    """The strictest length limit among ``platforms`` (None when there are none)."""
    limits = [p.max_seconds for p in _known(platforms)]
    return min(limits) if limits else None


def render_lengths(duration: float, limits: Iterable[float]) -> list[float]:
    """The distinct clip lengths to render so each limit gets the longest file within it.

    A clip that fits every limit is rendered once; a longer one once per distinct limit it
    exceeds (trimmed at the end), plus once in full if some limit allows the full length.
    """
    return sorted({round(min(duration, limit), 3) for limit in limits})
