"""Knobs for window building, scoring and clip selection (seconds unless stated)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoringOptions:
    """How long clips may be, how many to pick, and how many torch threads to use.

    Attributes:
        min_window_s: Shortest candidate window (seconds).
        max_window_s: Longest candidate window (seconds).
        target_min_s: Start of the preferred clip length range (seconds).
        target_max_s: End of the preferred clip length range (seconds).
        clip_count: Default number of clips `select_moments` returns.
        min_clips: At least this many whenever the episode can fit them without overlap.
        max_clips: Never more than this many, whatever `count` asks for.
        min_score: Drop moments scoring below this (0-100) unless needed to reach `min_clips`.
        min_gap_s: A window this close to a picked clip ranks `select.NEAR_CLIP_PENALTY`
            points lower, so six clips are six moments rather than back-to-back cuts of one.
        torch_threads: Threads for the embedder; `None` means `os.cpu_count()`.
    """

    min_window_s: float = 15.0
    max_window_s: float = 90.0
    target_min_s: float = 25.0
    target_max_s: float = 60.0
    clip_count: int = 6
    min_clips: int = 4
    max_clips: int = 9
    min_score: float = 0.0
    min_gap_s: float = 15.0
    torch_threads: int | None = None


@dataclass(frozen=True)
class LengthBounds:
    """Window length limits after shrinking them to fit a short episode (seconds)."""

    min_s: float
    max_s: float
    target_min_s: float
    target_max_s: float


def length_bounds(options: ScoringOptions, episode_s: float) -> LengthBounds:
    """Shrink the window limits so a short episode still yields `clip_count` clips.

    A one-hour episode keeps the configured limits. A 4-minute one (240 s / 6 clips) gets windows
    of at most 40 s, so that enough non-overlapping windows exist. The ceiling never drops below
    twice the minimum, so a talk with only 15-30 s of speech still yields its one clip.
    """
    per_clip = episode_s / max(1, options.clip_count)
    max_s = min(options.max_window_s, max(2 * options.min_window_s, per_clip))
    target_max = min(options.target_max_s, max_s)
    target_min = min(options.target_min_s, max(options.min_window_s, 0.6 * target_max))
    return LengthBounds(options.min_window_s, max_s, target_min, target_max)
