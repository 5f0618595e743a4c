"""Settings for RSS feed monitoring (bytes, seconds, minutes, item counts).

:class:`FeedSettings` is the ``feeds`` group of :class:`podclip.settings.Settings`, read from
``PODCLIP_FEEDS__*`` variables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # podclip.settings will import this module for its ``feeds`` field
    from podclip.settings import Settings


class FeedSettings(BaseModel):
    """How feeds are fetched and how many episodes one poll may turn into jobs."""

    max_feed_bytes: int = Field(default=10 * 1024**2, gt=0)
    """Largest feed document accepted, after decompression (bytes)."""
    timeout_seconds: float = Field(default=20.0, gt=0)
    """Per-operation network timeout and overall deadline for one fetch (seconds)."""
    max_redirects: int = Field(default=5, ge=0)
    poll_interval_minutes: float = Field(default=15.0, gt=0)
    default_backfill: int = Field(default=1, ge=0)
    """How many of the newest episodes the first poll of a new feed turns into jobs."""
    max_items_per_poll: int = Field(default=50, ge=1)
    """Flood guard: at most this many jobs per feed per poll; further new items are skipped."""
    fetch_retries: int = Field(default=2, ge=0)
    """Extra attempts after a network error (never after a bad answer)."""
    retry_delay_seconds: float = Field(default=5.0, ge=0)


def feed_settings(settings: Settings | None = None) -> FeedSettings:
    """The ``feeds`` group of ``settings`` (default: the process settings)."""
    if settings is None:
        from podclip.settings import get_settings

        settings = get_settings()
    return settings.feeds
