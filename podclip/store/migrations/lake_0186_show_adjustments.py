"""Lake: ``show_adjustments``, each fit of a show's learned ranking (issue 18).

Append-only: one row per refit whose result changed (more verdicts, another taste), so the
newest row per account and show is the adjustment in use and the rows before it are how the
show learned. ``adjustment_json`` is ``scoring.preferences.ShowAdjustment.to_json()``.
"""

from __future__ import annotations

VERSION = 186
NAME = "show_adjustments"

STATEMENTS = (
    """
    CREATE TABLE IF NOT EXISTS show_adjustments (
        account_id VARCHAR NOT NULL,
        show_name VARCHAR NOT NULL,
        reviews INTEGER NOT NULL,
        approved INTEGER NOT NULL,
        active BOOLEAN NOT NULL,
        adjustment_json VARCHAR NOT NULL,
        fitted_at TIMESTAMP WITH TIME ZONE NOT NULL
    )
    """,
)
