"""Operational database: lease locks that keep a stage from running twice at once."""

from __future__ import annotations

from sqlalchemy import Connection

from podclip.store.locks import stage_locks

VERSION = 60
NAME = "stage_locks"


def upgrade(conn: Connection) -> None:
    stage_locks.create(conn, checkfirst=True)
