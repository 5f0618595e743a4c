"""How each show's ranking learned from its reviews, for the studio and ``/v1/shows``.

A key sees the shows of its account's jobs in its environment; the numbers are the account's
learning for that show (``show_adjustments`` and the verdicts in ``clip_reviews``, what the
pipeline re-ranks with). Feature names are turned into words a producer reads
("Emotional story", "clip length (s)"); weights are log-odds of approval per standard
deviation of the feature, as :meth:`ShowAdjustment.moved` reports them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, distinct, select

from podclip.core.settings import Settings
from podclip.scoring.labels import DISPLAY_NAME, LABELS
from podclip.store import preferences
from podclip.store.api_keys import ApiKey
from podclip.store.schema import jobs

FEATURE_NAMES: dict[str, str] = {
    **{f"p_{label}": DISPLAY_NAME[label] for label in LABELS},
    "score": "shareability score",
    "length_s": "clip length (s)",
    "position": "position in the episode (0-1)",
}
"""The show model's features (``scoring.preferences.FEATURES``) in words."""


def feature_name(feature: str) -> str:
    """A feature's human name; an unknown one (a newer model's) is shown as it is."""
    return FEATURE_NAMES.get(feature, feature)


def _moved(pairs: Any) -> list[dict[str, Any]]:
    return [
        {"feature": p["feature"], "name": feature_name(p["feature"]), "weight": p["weight"]}
        for p in pairs
    ]


def show_names(engine: Engine, key: ApiKey) -> list[str]:
    """The shows of the key's account's jobs in the key's environment, sorted."""
    query = select(distinct(jobs.c.show_name)).where(
        jobs.c.account_id == key.account_id,
        jobs.c.environment == key.environment,
        jobs.c.show_name.is_not(None),
        jobs.c.show_name != "",
    )
    with engine.connect() as conn:
        return sorted(str(row[0]) for row in conn.execute(query))


def overview(settings: Settings, engine: Engine, key: ApiKey) -> list[dict[str, Any]]:
    """One row per show the key sees: reviewed clips, fits, active, reviews still needed."""
    known = preferences.shows(settings, key.account_id)
    need = settings.learning.min_reviews
    rows = []
    for name in show_names(engine, key):
        stats = known.get(name, {})
        reviewed = int(stats.get("reviewed", 0))
        rows.append(
            {
                "show": name,
                "reviewed": reviewed,
                "approved": int(stats.get("approved", 0)),
                "fits": int(stats.get("fits", 0)),
                "active": settings.learning.enabled and bool(stats.get("active", False)),
                "reviews_needed": max(0, need - reviewed),
                "last_fitted_at": stats.get("last_fitted_at"),
            }
        )
    return rows


def show_learning(
    settings: Settings, engine: Engine, key: ApiKey, name: str
) -> dict[str, Any] | None:
    """How the show learned; None when the key's account has no job of that show (a 404)."""
    if name not in show_names(engine, key):
        return None
    stats = preferences.shows(settings, key.account_id).get(name, {})
    reviewed = int(stats.get("reviewed", 0))
    latest = preferences.latest(settings, key.account_id, name)
    history = preferences.history(settings, key.account_id, name)
    for fit in history:
        fit["moved"] = _moved(fit["moved"])
    need = settings.learning.min_reviews
    return {
        "object": "show_learning",
        "show": name,
        "enabled": settings.learning.enabled,
        "active": settings.learning.enabled and latest is not None and latest.active,
        "reviewed": reviewed,
        "approved": int(stats.get("approved", 0)),
        "min_reviews": need,
        "reviews_needed": max(0, need - reviewed),
        "approval": preferences.approval_before_after(settings, key.account_id, name),
        "moved": _moved({"feature": f, "weight": w} for f, w in latest.moved()) if latest else [],
        "history": history,
    }
