"""Per-show learned rankings: fit on a show's reviews, kept in the lake's ``show_adjustments``.

:func:`training_reviews` joins the latest verdict on each reviewed clip (``clip_reviews``) to
the clip as the pipeline scored it (``clips``) and its episode's length (``episodes``), which is
what ``scoring.preferences.fit`` needs. :func:`refit` fits and appends a row when the result
changed; :func:`latest` is what the pipeline re-ranks with; :func:`history` and
:func:`approval_before_after` are what the studio shows of how a show learned.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from podclip.core.settings import LearningSettings, Settings
from podclip.scoring.preferences import Review, ShowAdjustment, fit
from podclip.scoring.types import ScoredMoment
from podclip.store import lake

logger = logging.getLogger(__name__)

# Latest approve/reject per clip (a producer may change their mind), joined to the clip row
# as scored and to its episode's length. Hand-made clips have no clip row and are left out.
_TRAINING_SQL = """
WITH verdicts AS (
    SELECT clip_id, arg_max(action, created_at) AS verdict
    FROM clip_reviews
    WHERE action IN ('approve', 'reject') AND account_id = ? AND show_name = ?
    GROUP BY clip_id
)
SELECT c.clip_id, v.verdict, c.moment_type, c.category, c.shareability_score,
       c.start_seconds, c.end_seconds, c.type_probabilities, c.created_at,
       coalesce(e.duration_seconds, 0.0) AS episode_seconds
FROM verdicts v
JOIN clips c ON c.clip_id = v.clip_id
LEFT JOIN (SELECT job_id, max(duration_seconds) AS duration_seconds FROM episodes
           GROUP BY job_id) e ON e.job_id = c.job_id
ORDER BY c.created_at, c.clip_id
"""


def training_reviews(settings: Settings, account_id: str, show_name: str) -> list[Review]:
    """The show's reviewed clips with their verdicts, oldest clip first."""
    with lake.reader(settings) as conn:
        rows = conn.execute(_TRAINING_SQL, [account_id, show_name]).fetchall()
    return [_review(row) for row in rows]


def _review(row: tuple[Any, ...]) -> Review:
    _, verdict, mtype, category, score, start, end, probs, _, episode_s = row
    moment = ScoredMoment(
        start=float(start),
        end=float(end),
        text="",
        moment_type=mtype,
        category=category,
        shareability_score=float(score),
        reason="",
        hook="",
        pull_quote="",
        type_probabilities={str(k): float(v) for k, v in (probs or {}).items()},
    )
    # Without an episode row the clip's own end is the best guess of the episode's length.
    return Review(moment, verdict == "approve", float(episode_s) or float(end))


def refit(
    settings: Settings, account_id: str, show_name: str, learning: LearningSettings | None = None
) -> ShowAdjustment | None:
    """Fit the show's adjustment on its reviews and store it when it changed.

    Without reviews the stored adjustment (if any) stands; None when there is neither.
    """
    learning = learning or settings.learning
    reviews = training_reviews(settings, account_id, show_name)
    if not reviews:
        return latest(settings, account_id, show_name)
    adjustment = fit(
        reviews,
        show_name,
        min_reviews=learning.min_reviews,
        l2=learning.l2,
        strength=learning.strength,
    )
    stored = latest(settings, account_id, show_name)
    if stored is None or stored.to_json() != adjustment.to_json():
        save(settings, account_id, adjustment)
        logger.info(
            "show %r: refitted on %d reviews (active: %s)",
            show_name,
            adjustment.reviews,
            adjustment.active,
        )
    return adjustment


def save(settings: Settings, account_id: str, adjustment: ShowAdjustment) -> None:
    """Append one fit of a show's adjustment."""
    row = [
        account_id,
        adjustment.show,
        adjustment.reviews,
        adjustment.approved,
        adjustment.active,
        adjustment.to_json(),
        datetime.now(UTC),
    ]
    lake.write(
        settings,
        lambda conn: conn.execute("INSERT INTO show_adjustments VALUES (?, ?, ?, ?, ?, ?, ?)", row),
    )


def latest(settings: Settings, account_id: str, show_name: str) -> ShowAdjustment | None:
    """The show's newest stored adjustment, or None when it was never fitted."""
    with lake.reader(settings) as conn:
        row = conn.execute(
            "SELECT adjustment_json FROM show_adjustments WHERE account_id = ? AND show_name = ? "
            "ORDER BY fitted_at DESC LIMIT 1",
            [account_id, show_name],
        ).fetchone()
    return ShowAdjustment.from_json(row[0]) if row else None


def history(settings: Settings, account_id: str, show_name: str) -> list[dict[str, Any]]:
    """Every fit of the show, oldest first: when, how many verdicts, approval, moved features."""
    with lake.reader(settings) as conn:
        rows = conn.execute(
            "SELECT fitted_at, adjustment_json FROM show_adjustments "
            "WHERE account_id = ? AND show_name = ? ORDER BY fitted_at",
            [account_id, show_name],
        ).fetchall()
    out = []
    for fitted_at, text in rows:
        adj = ShowAdjustment.from_json(text)
        out.append(
            {
                "fitted_at": fitted_at,
                "reviews": adj.reviews,
                "approval_rate": round(adj.approval_rate, 3),
                "active": adj.active,
                "moved": [{"feature": f, "weight": w} for f, w in adj.moved()],
            }
        )
    return out


def approval_before_after(settings: Settings, account_id: str, show_name: str) -> dict[str, Any]:
    """Approval rate of the show's reviewed clips made before and after learning took over.

    "After" counts clips created once the show's first active adjustment was stored (they
    were re-ranked); None where no such clip is reviewed yet.
    """
    with lake.reader(settings) as conn:
        row = conn.execute(
            "SELECT min(fitted_at) FROM show_adjustments "
            "WHERE account_id = ? AND show_name = ? AND active",
            [account_id, show_name],
        ).fetchone()
        since = row[0] if row else None
        reviews = conn.execute(_TRAINING_SQL, [account_id, show_name]).fetchall()
    before = [r[1] == "approve" for r in reviews if since is None or r[8] < since]
    after = [r[1] == "approve" for r in reviews if since is not None and r[8] >= since]
    return {
        "learning_since": since,
        "before": {"reviewed": len(before), "approval_rate": _rate(before)},
        "after": {"reviewed": len(after), "approval_rate": _rate(after)},
    }


def _rate(verdicts: list[bool]) -> float | None:
    return round(sum(verdicts) / len(verdicts), 3) if verdicts else None


# Per show of one account: its usable verdicts (as _TRAINING_SQL counts them) and its fits.
_SHOWS_SQL = """
WITH verdicts AS (
    SELECT clip_id, show_name, arg_max(action, created_at) AS verdict
    FROM clip_reviews
    WHERE action IN ('approve', 'reject') AND account_id = ? AND show_name IS NOT NULL
    GROUP BY clip_id, show_name
), counted AS (
    SELECT v.show_name, count(*) AS reviewed,
           count(*) FILTER (WHERE v.verdict = 'approve') AS approved
    FROM verdicts v JOIN clips c ON c.clip_id = v.clip_id
    GROUP BY v.show_name
), fits AS (
    SELECT show_name, count(*) AS fits, arg_max(active, fitted_at) AS active,
           max(fitted_at) AS last_fitted_at
    FROM show_adjustments WHERE account_id = ?
    GROUP BY show_name
)
SELECT coalesce(c.show_name, f.show_name) AS show_name,
       coalesce(c.reviewed, 0), coalesce(c.approved, 0),
       coalesce(f.fits, 0), coalesce(f.active, false), f.last_fitted_at
FROM counted c FULL OUTER JOIN fits f ON f.show_name = c.show_name
ORDER BY show_name
"""


def shows(settings: Settings, account_id: str) -> dict[str, dict[str, Any]]:
    """Per show with verdicts or fits: reviewed and approved clips, fits, latest fit active."""
    with lake.reader(settings) as conn:
        rows = conn.execute(_SHOWS_SQL, [account_id, account_id]).fetchall()
    return {
        str(name): {
            "reviewed": int(reviewed),
            "approved": int(approved),
            "fits": int(fits),
            "active": bool(active),
            "last_fitted_at": last,
        }
        for name, reviewed, approved, fits, active, last in rows
    }
