"""``clip_reviews``: every producer change to a clip, as an append-only lake event.

One row per action (``approve``, ``reject``, ``trim``, ``caption_fix``, ``style``, ``create``)
with who made it (API key id, account), when, the clip's state before and after as JSON, and the
clip's moment type, score and show at that time, so analysts group verdicts without a join.
:func:`approval_rates` is the query docs/analytics.md shows; :func:`verdicts` is the per-show
read a learning step can fit on.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from podclip.core.settings import Settings
from podclip.store import lake

ACTIONS = frozenset({"approve", "reject", "trim", "caption_fix", "style", "create"})
SCORE_BAND_WIDTH = 20
"""Score bands of this width on the 0-100 shareability scale (0-20, 20-40, ...)."""

# The latest verdict per clip counts (a producer may change their mind).
APPROVAL_RATES_SQL = """
WITH verdicts AS (
    SELECT clip_id,
           arg_max(action, created_at) AS verdict,
           arg_max(moment_type, created_at) AS moment_type,
           arg_max(shareability_score, created_at) AS score,
           arg_max(show_name, created_at) AS show_name
    FROM clip_reviews
    WHERE action IN ('approve', 'reject') {where}
    GROUP BY clip_id
)
SELECT coalesce(show_name, '') AS show_name,
       moment_type,
       CAST(floor(score / 20) * 20 AS INTEGER) AS score_band,
       count(*) AS reviewed,
       count(*) FILTER (WHERE verdict = 'approve') AS approved,
       round(count(*) FILTER (WHERE verdict = 'approve') / count(*), 3) AS approval_rate
FROM verdicts
GROUP BY ALL
ORDER BY show_name, moment_type, score_band
"""


@dataclass(frozen=True)
class ReviewEvent:
    """One change to one clip."""

    clip_id: str
    job_id: str
    account_id: str
    environment: str
    api_key_id: str | None
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    moment_type: str | None = None
    shareability_score: float | None = None
    show_name: str | None = None
    manual: bool = False
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def record(settings: Settings, events: list[ReviewEvent]) -> None:
    """Append ``events`` to ``clip_reviews`` in one lake transaction."""
    if not events:
        return
    rows = [
        [
            f"rev_{secrets.token_hex(8)}",
            e.clip_id,
            e.job_id,
            e.account_id,
            e.environment,
            e.api_key_id,
            e.action,
            e.reason,
            None if e.before is None else json.dumps(e.before, sort_keys=True, default=str),
            None if e.after is None else json.dumps(e.after, sort_keys=True, default=str),
            e.moment_type,
            e.shareability_score,
            e.show_name,
            e.manual,
            e.created_at,
        ]
        for e in events
    ]

    def write(conn: duckdb.DuckDBPyConnection) -> None:
        conn.executemany(
            "INSERT INTO clip_reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    lake.write(settings, write)


def for_job(settings: Settings, job_id: str) -> list[dict[str, Any]]:
    """The job's review events, oldest first."""
    with lake.reader(settings) as conn:
        result = conn.execute(
            "SELECT * FROM clip_reviews WHERE job_id = ? ORDER BY created_at, review_id",
            [job_id],
        )
        names = [d[0] for d in result.description or ()]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def approval_rates(settings: Settings, *, account_id: str | None = None) -> list[dict[str, Any]]:
    """Approval rate by show, moment type and score band (latest verdict per clip)."""
    where, params = ("AND account_id = ?", [account_id]) if account_id else ("", [])
    with lake.reader(settings) as conn:
        result = conn.execute(APPROVAL_RATES_SQL.format(where=where), params)
        names = [d[0] for d in result.description or ()]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def verdicts(settings: Settings, *, account_id: str, show_name: str) -> list[dict[str, Any]]:
    """The latest verdict on each reviewed clip of one show (clip_id, verdict, type, score).

    The hook for per-show learning: it joins these to the lake's clip rows for features.
    """
    sql = (
        "SELECT clip_id, arg_max(action, created_at) AS verdict, "
        "arg_max(moment_type, created_at) AS moment_type, "
        "arg_max(shareability_score, created_at) AS score "
        "FROM clip_reviews WHERE action IN ('approve', 'reject') "
        "AND account_id = ? AND show_name = ? GROUP BY clip_id ORDER BY clip_id"
    )
    with lake.reader(settings) as conn:
        result = conn.execute(sql, [account_id, show_name])
        names = [d[0] for d in result.description or ()]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
