"""When to try again: exponential backoff for polling and retries, and ``Retry-After``.

A server's ``Retry-After`` (seconds, or an HTTP date) always wins over the computed delay: the
server knows when its rate window reopens. Jitter spreads many clients polling the same API.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

# Answers worth repeating: the rate limit, an idempotent request still in flight, and the
# gateway errors a restarting server gives.
RETRY_STATUSES = frozenset({409, 429, 502, 503, 504})


@dataclass(frozen=True)
class Backoff:
    """Delays ``initial * factor**attempt`` seconds, capped at ``maximum``, with ± ``jitter``.

    Args:
        initial: The first delay, seconds.
        factor: Growth per attempt.
        maximum: The largest delay, seconds (doc 000 suggests polling every 15 s at most).
        jitter: Fraction of the delay added or removed at random (0 for none).
    """

    initial: float = 1.0
    factor: float = 1.5
    maximum: float = 15.0
    jitter: float = 0.1

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """The delay before try ``attempt + 1`` (``attempt`` counts from 0), seconds."""
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt))
        spread = base * self.jitter * (2 * rand() - 1)
        return max(0.0, min(self.maximum, base + spread))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date); None if absent
    or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` from response headers (any case), in seconds."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return parse_retry_after(value)
    return None


def should_retry(status: int, code: str | None) -> bool:
    """Whether an error answer is worth repeating unchanged."""
    if status == 409:
        return code == "idempotency_request_in_progress"
    return status in RETRY_STATUSES
