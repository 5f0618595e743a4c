"""Every read and write of the operational database (jobs and their events).

SQLite in WAL mode by default, any SQLAlchemy URL at scale. Status changes go through
:func:`set_status`, which refuses to touch a job that is already terminal, so a late or
repeated stage can never move a finished job.

Jobs carry an ``environment``: ``live`` jobs are the pipeline's queue, ``test`` jobs belong to
sandbox API keys and are never processed (drainers ask :func:`queued_jobs` for ``live`` only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, update
from sqlalchemy.engine import Connection

from podclip.core.errors import JobNotFound, PodclipError, TooManyActiveJobs

# Job, as_utc, job_from_row and utcnow are also taken from here by callers.
from podclip.store.job_record import (
    ENVIRONMENTS,
    STATUSES,
    TERMINAL,
    Job,
    job_from_row,
    new_job_id,
    utcnow,
)
from podclip.store.job_record import as_utc as as_utc
from podclip.store.schema import DEFAULT_ACCOUNT_ID, job_events, jobs
from podclip.store.webhook_outbox import record_job_event
from podclip.store.write_lock import write_lock_for


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per database URL per process; it never migrates (see :mod:`.migrate`)."""
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        connect_args={"timeout": 30} if is_sqlite else {},
        pool_pre_ping=not is_sqlite,
    )
    if is_sqlite:
        make_sqlite_dir(url)
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def write_engine_for(url: str) -> Engine:
    """An engine whose transactions take the database's write lock when they begin.

    SQLite's default deferred ``BEGIN`` lets two processes read the same rows and then race to
    write; ``BEGIN IMMEDIATE`` makes them queue instead, which is what the API's rate-limit
    windows and idempotency claims need to stay exact across workers. SQLite itself queues a
    busy writer by sleeping and retrying (1, 2, 5, 10 ... 100 ms), which under a steady stream
    of short write transactions from several processes costs tens of milliseconds each; so the
    engine's transactions first queue on an OS file lock (``<db>.write.lock``, released when
    the connection goes back to the pool), which wakes the next writer the moment the last one
    is done. Other databases get the ordinary engine; callers lock rows ``FOR UPDATE``.
    """
    base = engine_for(url)
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is None:
        return base
    engine = create_engine(url, connect_args={"timeout": 30})
    lock = write_lock_for(path)

    def _connect(dbapi_conn: Any, record: Any) -> None:
        sqlite_pragmas(dbapi_conn, record)
        # Hand transaction control to SQLAlchemy's begin event below.
        dbapi_conn.isolation_level = None

    def _begin(conn: Connection) -> None:
        lock.acquire()
        conn.info[_HOLDS_WRITE_LOCK] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            conn.info.pop(_HOLDS_WRITE_LOCK, None)
            lock.release()
            raise

    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        # After COMMIT or ROLLBACK: the pool resets the connection before checking it in.
        if record.info.pop(_HOLDS_WRITE_LOCK, False):
            lock.release()

    event.listen(engine, "connect", _connect)
    event.listen(engine, "begin", _begin)
    event.listen(engine, "checkin", _checkin)
    return engine


_HOLDS_WRITE_LOCK = "podclip_holds_write_lock"


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (None for memory or other databases)."""
    path = url.split("///", 1)[-1] if "///" in url else ""
    return path if path and path != ":memory:" else None


def make_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite URL's file."""
    path = sqlite_path(url)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL, foreign keys and a busy timeout on every new SQLite connection."""
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
    account_id: str = DEFAULT_ACCOUNT_ID,
    max_active: int | None = None,
) -> Job:
    """Insert a queued job and its first event; return it."""
    with engine.begin() as conn:
        job_id = insert_job(
            conn,
            account_id=account_id,
            max_active=max_active,
            source_type=source_type,
            source_url=source_url,
            source=source,
            options=options,
            environment=environment,
            show_name=show_name,
            guest_name=guest_name,
            title=title,
            job_id=job_id,
        )
    return get_job(engine, job_id)


def insert_job(
    conn: Connection,
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
    account_id: str = DEFAULT_ACCOUNT_ID,
    max_active: int | None = None,
) -> str:
    """Insert a queued job and its first event inside the caller's transaction; return its id.

    For writes that must commit together with the job (an idempotency claim, for one). With
    ``max_active``, a live job is refused (:class:`TooManyActiveJobs`) when
    the account already has that many live jobs queued or running (its job budget).
    """
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}")
    if max_active is not None and environment == "live":
        active = conn.execute(
            select(func.count())
            .select_from(jobs)
            .where(
                jobs.c.account_id == account_id,
                jobs.c.environment == "live",
                jobs.c.status.not_in(TERMINAL),
            )
        ).scalar_one()
        if int(active) >= max_active:
            raise TooManyActiveJobs(
                f"The account has {active} jobs queued or running, its limit; submit again "
                "when some have finished."
            )
    now = utcnow()
    job_id = job_id or new_job_id()
    source_dict = dict(source or {"type": source_type, "url": source_url})
    conn.execute(
        insert(jobs).values(
            id=job_id,
            status="queued",
            source_type=source_type,
            source_url=source_url,
            source_json=json.dumps(source_dict),
            options_json=json.dumps(dict(options or {})),
            environment=environment,
            account_id=account_id,
            show_name=show_name,
            guest_name=guest_name,
            title=title,
            created_at=now,
            updated_at=now,
        )
    )
    _add_event(conn, job_id, "queued", "job created", now)
    _webhook_event(conn, job_id, "job.created", now)
    return job_id


def get_job(
    engine: Engine,
    job_id: str,
    *,
    account_id: str | None = None,
    environment: str | None = None,
) -> Job:
    """Return one job or raise :class:`JobNotFound`.

    With ``account_id`` (and ``environment``), another account's job is not found either: the
    API passes its key's, so a job of someone else is indistinguishable from a missing one.
    """
    query = select(jobs).where(jobs.c.id == job_id)
    if account_id is not None:
        query = query.where(jobs.c.account_id == account_id)
    if environment is not None:
        query = query.where(jobs.c.environment == environment)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise JobNotFound(f"No job with id {job_id!r}.")
    return job_from_row(row)


def list_jobs(
    engine: Engine,
    *,
    limit: int = 20,
    starting_after: str | None = None,
    environment: str | None = None,
    status: str | None = None,
    account_id: str | None = None,
) -> list[Job]:
    """Newest first; ``starting_after`` is the id of the last job of the previous page.

    ``environment``, ``status`` and ``account_id`` filter (``None``: all); a cursor outside
    the filter is :class:`JobNotFound`, as if it did not exist.
    """
    query = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
    if environment is not None:
        query = query.where(jobs.c.environment == environment)
    if account_id is not None:
        query = query.where(jobs.c.account_id == account_id)
    if status is not None:
        query = query.where(jobs.c.status == status)
    with engine.connect() as conn:
        if starting_after is not None:
            cursor_query = select(jobs.c.created_at, jobs.c.id).where(jobs.c.id == starting_after)
            if environment is not None:
                cursor_query = cursor_query.where(jobs.c.environment == environment)
            if account_id is not None:
                cursor_query = cursor_query.where(jobs.c.account_id == account_id)
            cursor = conn.execute(cursor_query).first()
            if cursor is None:
                raise JobNotFound(f"No job with id {starting_after!r}.", param="starting_after")
            query = query.where(
                (jobs.c.created_at < cursor.created_at)
                | ((jobs.c.created_at == cursor.created_at) & (jobs.c.id < cursor.id))
            )
        rows = conn.execute(query).mappings().all()
    return [job_from_row(r) for r in rows]


def queued_jobs(engine: Engine, *, environment: str = "live", limit: int = 10) -> list[Job]:
    """Queued jobs of one environment, oldest first: what a queue drainer should start.

    Sandbox (``test``) jobs are never processed, so drainers keep the default ``live``.
    """
    query = (
        select(jobs)
        .where(jobs.c.status == "queued", jobs.c.environment == environment)
        .order_by(jobs.c.created_at, jobs.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [job_from_row(r) for r in rows]


def count_jobs(
    engine: Engine, *, environment: str | None = None, account_id: str | None = None
) -> int:
    """How many jobs (of one environment and account, or all)."""
    query = select(func.count()).select_from(jobs)
    if environment is not None:
        query = query.where(jobs.c.environment == environment)
    if account_id is not None:
        query = query.where(jobs.c.account_id == account_id)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def minutes_processed(
    engine: Engine, *, environment: str = "live", account_id: str | None = None
) -> float:
    """Minutes of source audio in the environment's (and account's) complete jobs."""
    query = select(func.coalesce(func.sum(jobs.c.duration_seconds), 0.0)).where(
        jobs.c.environment == environment, jobs.c.status == "complete"
    )
    if account_id is not None:
        query = query.where(jobs.c.account_id == account_id)
    with engine.connect() as conn:
        total = conn.execute(query).scalar_one()
    return float(total) / 60.0


def set_status(
    engine: Engine,
    job_id: str,
    status: str,
    *,
    message: str | None = None,
    expected: str | None = None,
    **fields: Any,
) -> bool:
    """Move a non-terminal job to ``status``; return False if it was already terminal.

    With ``expected``, move it only from that status (compare-and-set), so two processes
    advancing the same job record each transition once.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now, **fields}
    if status in TERMINAL:
        values["completed_at"] = now
    condition = [jobs.c.id == job_id, jobs.c.status.not_in(TERMINAL)]
    if expected is not None:
        condition.append(jobs.c.status == expected)
    with engine.begin() as conn:
        result = conn.execute(update(jobs).where(*condition).values(**values))
        if result.rowcount == 0:
            return False
        _add_event(conn, job_id, status, message, now)
        if status in TERMINAL:
            event = "job.completed" if status == "complete" else "job.failed"
            _webhook_event(conn, job_id, event, now)
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


def add_job_event(engine: Engine, job_id: str, message: str) -> None:
    """Record a note (e.g. a skipped output) in the job's history; its status stays as it is."""
    with engine.begin() as conn:
        status = conn.execute(select(jobs.c.status).where(jobs.c.id == job_id)).scalar_one()
        _add_event(conn, job_id, str(status), message, utcnow())


def _add_event(
    conn: Connection, job_id: str, status: str, message: str | None, now: datetime
) -> None:
    conn.execute(
        insert(job_events).values(job_id=job_id, status=status, message=message, created_at=now)
    )


def _webhook_event(conn: Connection, job_id: str, event: str, now: datetime) -> None:
    # Outbox: the webhook event commits with the status change, before any delivery attempt.
    record_job_event(conn, job_id, event, now)
