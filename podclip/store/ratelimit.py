"""Sliding-window rate limits per API key, kept in the operational database.

Each allowed request is one row ``(api_key_id, bucket, at)``. A request runs one write
transaction that counts the key's rows inside the window and inserts its own row if the count is
under the limit; rows that left the window are deleted as it goes (every few requests, and
whenever a request is refused). On SQLite the transaction begins ``IMMEDIATE`` (see
:func:`store.ops.write_engine_for`), so concurrent API worker processes queue for it and a limit
of L lets exactly L requests through in any window, however many workers serve them.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update

from podclip.store.ops import as_utc, utcnow
from podclip.store.schema import api_keys, rate_limit_hits

# last_used_at is for people reading `podclip keys list`; a write per request would be waste.
LAST_USED_RESOLUTION_SECONDS = 60.0


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one request against its key's window (Unix seconds).

    ``revoked`` (or ``missing``) means the key was refused before anything was counted.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    retry_after: int
    revoked: bool = False
    missing: bool = False

    def headers(self) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers (plus ``Retry-After`` when refused)."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


# Statements built once (the hot path runs them on every request).
_KEY = (
    select(api_keys.c.revoked_at, api_keys.c.last_used_at)
    .where(api_keys.c.id == bindparam("key_id"))
    .with_for_update()
)
_SAME = (rate_limit_hits.c.api_key_id == bindparam("key_id")) & (
    rate_limit_hits.c.bucket == bindparam("bucket")
)
_WINDOW = select(func.count(), func.min(rate_limit_hits.c.at)).where(
    _SAME & (rate_limit_hits.c.at > bindparam("since"))
)
_RECORD = insert(rate_limit_hits).values(
    api_key_id=bindparam("key_id"), bucket=bindparam("bucket"), at=bindparam("now")
)
_EXPIRE = delete(rate_limit_hits).where(_SAME & (rate_limit_hits.c.at <= bindparam("since")))
_TOUCH = update(api_keys).where(api_keys.c.id == bindparam("key_id"))
# Rows that left the window are ignored by the count and deleted every this many requests.
EXPIRE_EVERY = 32
_hits = itertools.count()


def hit(
    write_engine: Engine,
    *,
    api_key_id: str,
    bucket: str,
    limit: int,
    window_seconds: float,
    now: float | None = None,
) -> RateDecision:
    """Count one request for ``api_key_id`` in ``bucket``; record it only if it is allowed.

    The same transaction re-reads the key, so a key revoked since the caller looked it up (the
    API caches lookups) is refused here, and refreshes ``last_used_at`` at most once a minute.
    """
    with write_engine.begin() as conn:
        # FOR UPDATE serialises the key's requests on databases with row locks (SQLite's
        # BEGIN IMMEDIATE already holds the write lock).
        key = conn.execute(_KEY, {"key_id": api_key_id}).first()
        # Read the clock only once the lock is held, so timestamps follow the commit order.
        now = time.time() if now is None else now
        if key is None or key.revoked_at is not None:
            return RateDecision(
                False, limit, 0, math.ceil(now), 0, revoked=key is not None, missing=key is None
            )
        params = {"key_id": api_key_id, "bucket": bucket, "since": now - window_seconds}
        count, oldest = conn.execute(_WINDOW, params).one()
        allowed = count < limit
        if allowed:
            conn.execute(_RECORD, {**params, "now": now})
            count += 1
            oldest = now if oldest is None else oldest
        if not allowed or next(_hits) % EXPIRE_EVERY == 0:
            conn.execute(_EXPIRE, params)
        stamp = utcnow()
        last = key.last_used_at
        if last is None or (stamp - as_utc(last)).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
            conn.execute(_TOUCH, {"key_id": api_key_id, "last_used_at": stamp})
    window_end = (oldest if oldest is not None else now) + window_seconds
    return RateDecision(
        allowed=allowed,
        limit=limit,
        remaining=max(0, limit - count),
        reset_at=math.ceil(window_end),
        retry_after=max(1, math.ceil(window_end - now)),
    )
