"""Operational database: lease locks that keep a stage from running twice at once.

Fixed DDL, as the code of that time created it; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 60
NAME = "stage_locks"

SQLITE = (
    """
    CREATE TABLE IF NOT EXISTS stage_locks (
        "key" VARCHAR(200) NOT NULL,
        owner VARCHAR(200) NOT NULL,
        expires_at DATETIME NOT NULL,
        PRIMARY KEY ("key")
    )
    """,
)

POSTGRESQL = (
    """
    CREATE TABLE IF NOT EXISTS stage_locks (
        key VARCHAR(200) NOT NULL,
        owner VARCHAR(200) NOT NULL,
        expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (key)
    )
    """,
)
