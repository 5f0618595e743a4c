"""Operational database: jobs and their status events."""

from __future__ import annotations

from sqlalchemy import Connection

from podclip.store.ops_schema import job_events, jobs

VERSION = 1
NAME = "jobs and job_events"


def upgrade(conn: Connection) -> None:
    jobs.create(conn, checkfirst=True)
    job_events.create(conn, checkfirst=True)
