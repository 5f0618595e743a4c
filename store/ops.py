"""Every read and write of the operational database (jobs and their events).

SQLite in WAL mode by default, any SQLAlchemy URL at scale. Status changes go through
:func:`set_status`, which refuses to touch a job that is already terminal, so a late or
repeated stage can never move a finished job.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select, update
from sqlalchemy.engine import Connection

from podclip.errors import JobNotFound, PodclipError
from store import migrate
from store.ops_schema import job_events, jobs

STATUSES = ("queued", "downloading", "transcribing", "clipping", "rendering", "complete", "failed")
TERMINAL = frozenset({"complete", "failed"})


@dataclass(frozen=True)
class Job:
    """A job row as the rest of podclip sees it."""

    id: str
    status: str
    source_type: str
    source_url: str
    source: dict[str, Any]
    options: dict[str, Any]
    environment: str
    created_at: datetime
    updated_at: datetime
    show_name: str | None = None
    guest_name: str | None = None
    title: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    clip_count: int | None = None
    source_sha256: str | None = None
    duration_seconds: float | None = None
    flow_run_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


def new_job_id() -> str:
    """Time-ordered, unguessable job id (``job_`` + 12 hex of ms + 12 random hex)."""
    return f"job_{int(time.time() * 1000):012x}{secrets.token_hex(6)}"


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per database URL per process, migrated on first use."""
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        connect_args={"timeout": 30} if is_sqlite else {},
        pool_pre_ping=not is_sqlite,
    )
    if is_sqlite:
        _make_sqlite_dir(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate.upgrade_ops(engine)
    return engine


def _make_sqlite_dir(url: str) -> None:
    from pathlib import Path

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # WAL lets readers proceed while one writer commits; busy_timeout waits out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_job(
    engine: Engine,
    *,
    source_type: str,
    source_url: str,
    source: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    environment: str = "live",
    show_name: str | None = None,
    guest_name: str | None = None,
    title: str | None = None,
    job_id: str | None = None,
) -> Job:
    """Insert a queued job and its first event; return it."""
    now = utcnow()
    job_id = job_id or new_job_id()
    source_dict = dict(source or {"type": source_type, "url": source_url})
    with engine.begin() as conn:
        conn.execute(
            insert(jobs).values(
                id=job_id,
                status="queued",
                source_type=source_type,
                source_url=source_url,
                source_json=json.dumps(source_dict),
                options_json=json.dumps(dict(options or {})),
                environment=environment,
                show_name=show_name,
                guest_name=guest_name,
                title=title,
                created_at=now,
                updated_at=now,
            )
        )
        _add_event(conn, job_id, "queued", "job created", now)
    return get_job(engine, job_id)


def get_job(engine: Engine, job_id: str) -> Job:
    """Return one job or raise :class:`JobNotFound`."""
    with engine.connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if row is None:
        raise JobNotFound(f"No job with id {job_id!r}.")
    return _job_from_row(row)


def list_jobs(engine: Engine, *, limit: int = 20, starting_after: str | None = None) -> list[Job]:
    """Newest first; ``starting_after`` is the id of the last job of the previous page."""
    query = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        if starting_after is not None:
            cursor = conn.execute(
                select(jobs.c.created_at, jobs.c.id).where(jobs.c.id == starting_after)
            ).first()
            if cursor is None:
                raise JobNotFound(f"No job with id {starting_after!r}.")
            query = query.where(
                (jobs.c.created_at < cursor.created_at)
                | ((jobs.c.created_at == cursor.created_at) & (jobs.c.id < cursor.id))
            )
        rows = conn.execute(query).mappings().all()
    return [_job_from_row(r) for r in rows]


def set_status(
    engine: Engine,
    job_id: str,
    status: str,
    *,
    message: str | None = None,
    **fields: Any,
) -> bool:
    """Move a non-terminal job to ``status``; return False if it was already terminal."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now, **fields}
    if status in TERMINAL:
        values["completed_at"] = now
    with engine.begin() as conn:
        result = conn.execute(
            update(jobs).where(jobs.c.id == job_id, jobs.c.status.not_in(TERMINAL)).values(**values)
        )
        if result.rowcount == 0:
            return False
        _add_event(conn, job_id, status, message, now)
    return True


def fail_job(engine: Engine, job_id: str, error: BaseException) -> bool:
    """End a job ``failed`` with the error's code and message."""
    if isinstance(error, PodclipError):
        code, message = error.code, error.message
    else:
        code, message = "internal_error", f"{type(error).__name__}: {error}"
    return set_status(
        engine, job_id, "failed", message=message, error_code=code, error_message=message
    )


def update_job(engine: Engine, job_id: str, **fields: Any) -> None:
    """Record facts learned while processing (source hash, duration) without a status change."""
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(**fields))


def job_events_for(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    """The job's status history, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(job_events).where(job_events.c.job_id == job_id).order_by(job_events.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def iter_tables() -> Iterator[str]:
    """Names of the operational tables analysts may query."""
    yield from ("jobs", "job_events")


def _add_event(
    conn: Connection, job_id: str, status: str, message: str | None, now: datetime
) -> None:
    conn.execute(
        insert(job_events).values(job_id=job_id, status=status, message=message, created_at=now)
    )


def _job_from_row(row: Any) -> Job:
    data = dict(row)
    for key in ("created_at", "updated_at", "started_at", "completed_at"):
        value = data.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            data[key] = value.replace(tzinfo=UTC)
    return Job(
        id=data["id"],
        status=data["status"],
        source_type=data["source_type"],
        source_url=data["source_url"],
        source=json.loads(data["source_json"]),
        options=json.loads(data["options_json"]),
        environment=data["environment"],
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        show_name=data["show_name"],
        guest_name=data["guest_name"],
        title=data["title"],
        started_at=data["started_at"],
        completed_at=data["completed_at"],
        error_code=data["error_code"],
        error_message=data["error_message"],
        clip_count=data["clip_count"],
        source_sha256=data["source_sha256"],
        duration_seconds=data["duration_seconds"],
        flow_run_id=data["flow_run_id"],
    )
