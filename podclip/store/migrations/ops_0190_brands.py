"""Operational database: each show's brand kit (issue 18, "clips that look produced").

One row per account and show name: two ``#RRGGBB`` colours, a font family from the packaged
set, a default caption style and the media-store key of the logo PNG.

Fixed DDL; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 190
NAME = "show_brands"

_TS = {"sqlite": "DATETIME", "postgresql": "TIMESTAMP WITH TIME ZONE"}


def _statements(dialect: str) -> tuple[str, ...]:
    return (
        f"""
        CREATE TABLE show_brands (
            account_id VARCHAR(40) NOT NULL,
            show_name VARCHAR(200) NOT NULL,
            primary_colour VARCHAR(7) NOT NULL,
            secondary_colour VARCHAR(7) NOT NULL,
            font VARCHAR(64),
            caption_style VARCHAR(64),
            logo_key VARCHAR(200),
            updated_by VARCHAR(40),
            updated_at {_TS[dialect]} NOT NULL,
            PRIMARY KEY (account_id, show_name)
        )
        """,
    )


SQLITE = _statements("sqlite")
POSTGRESQL = _statements("postgresql")
