"""The submission queue is the jobs table: claim queued live jobs once, requeue dead claims.

A claim is one ``UPDATE ... WHERE claimed_at IS NULL ... RETURNING`` statement, atomic on
SQLite and PostgreSQL alike, so two dispatchers never take the same job (on PostgreSQL the
subquery also locks ``FOR UPDATE SKIP LOCKED``, so they take different ones at once).
:func:`has_claimable` is the dispatcher's idle check: one read that the index on
``(status, claimed_at)`` answers, cheap enough to run every second.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, insert, select, update

from podclip.store.ops import TERMINAL, as_utc, set_status, utcnow
from podclip.store.schema import job_events
from podclip.store.schema import jobs as _jobs


def _claimable() -> tuple[ColumnElement[bool], ...]:
    return (
        _jobs.c.status == "queued",
        _jobs.c.environment == "live",
        _jobs.c.claimed_at.is_(None),
    )


def has_claimable(engine: Engine) -> bool:
    """Whether any queued live job waits for a dispatcher (a read; takes no lock)."""
    with engine.connect() as conn:
        return conn.execute(select(_jobs.c.id).where(*_claimable()).limit(1)).first() is not None


def claim_queued(engine: Engine, owner: str, limit: int) -> list[tuple[str, int]]:
    """Claim up to ``limit`` queued live jobs, oldest first; return ``(job_id, attempt)``."""
    now = utcnow()
    oldest = (
        select(_jobs.c.id)
        .where(*_claimable())
        .order_by(_jobs.c.created_at, _jobs.c.id)
        .limit(limit)
    )
    if engine.dialect.name == "postgresql":
        # Row locks: a second dispatcher skips the rows the first is claiming and takes the next.
        oldest = oldest.with_for_update(skip_locked=True)
    with engine.begin() as conn:
        rows = conn.execute(
            update(_jobs)
            .where(_jobs.c.id.in_(oldest.scalar_subquery()), _jobs.c.claimed_at.is_(None))
            .values(claimed_at=now, claimed_by=owner, attempts=_jobs.c.attempts + 1)
            .returning(_jobs.c.id, _jobs.c.attempts)
        ).all()
    return sorted((str(r.id), int(r.attempts)) for r in rows)


def record_dispatch(engine: Engine, job_id: str, flow_run_id: str) -> None:
    """Remember which flow run took the job."""
    with engine.begin() as conn:
        conn.execute(update(_jobs).where(_jobs.c.id == job_id).values(flow_run_id=flow_run_id))


def claimed_unfinished(engine: Engine) -> list[tuple[str, str | None, datetime]]:
    """Claimed jobs that are not terminal: ``(job_id, flow_run_id, last progress time)``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(_jobs.c.id, _jobs.c.flow_run_id, _jobs.c.updated_at, _jobs.c.claimed_at).where(
                _jobs.c.claimed_at.is_not(None), _jobs.c.status.not_in(TERMINAL)
            )
        ).all()
    return [(str(r.id), r.flow_run_id, max(r.updated_at, r.claimed_at)) for r in rows]


def heartbeat(engine: Engine, job_id: str) -> None:
    """Mark the job's run alive (a run that stops beating is taken for dead)."""
    with engine.begin() as conn:
        conn.execute(
            update(_jobs)
            .where(_jobs.c.id == job_id, _jobs.c.status.not_in(TERMINAL))
            .values(updated_at=utcnow())
        )


def requeue(engine: Engine, job_id: str, *, reason: str) -> bool:
    """Release a dead claim so a dispatcher starts the job again (finished stages are cached)."""
    with engine.begin() as conn:
        released = conn.execute(
            update(_jobs)
            .where(_jobs.c.id == job_id, _jobs.c.status.not_in(TERMINAL))
            .values(claimed_at=None, claimed_by=None)
        ).rowcount
    if released:
        set_status(engine, job_id, "queued", message=f"requeued: {reason}")
    return bool(released)


def is_stale(last_progress: datetime, stale_after: timedelta) -> bool:
    return utcnow() - as_utc(last_progress) > stale_after


def reopen_for_retry(engine: Engine, job_id: str, flow_run_id: str) -> bool:
    """Reopen a job that ``flow_run_id`` failed, because an operator retried that very run."""
    now = utcnow()
    with engine.begin() as conn:
        reopened = conn.execute(
            update(_jobs)
            .where(
                _jobs.c.id == job_id,
                _jobs.c.status == "failed",
                _jobs.c.flow_run_id == flow_run_id,
            )
            .values(
                status="queued",
                updated_at=now,
                completed_at=None,
                error_code=None,
                error_message=None,
            )
        ).rowcount
        if reopened:
            conn.execute(
                insert(job_events).values(
                    job_id=job_id,
                    status="queued",
                    created_at=now,
                    message=f"reopened: flow run {flow_run_id} retried by an operator",
                )
            )
    return bool(reopened)
