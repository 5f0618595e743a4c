"""Lease locks in the operational database, so one stage runs once across processes.

A lock is a row ``(key, owner, expires_at)``; its holder renews the lease in the background
while it works. A holder that dies stops renewing, and the next caller takes the lock once the
lease runs out, so a killed process blocks others for at most one lease (default 60 s).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, delete, insert, update
from sqlalchemy.exc import IntegrityError

from podclip.store.job_record import utcnow
from podclip.store.schema import stage_locks

logger = logging.getLogger(__name__)


def try_acquire(engine: Engine, key: str, owner: str, lease_seconds: float) -> bool:
    """Take ``key`` if it is free or its lease ran out; return whether we hold it now."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            delete(stage_locks).where(stage_locks.c.key == key, stage_locks.c.expires_at < now)
        )
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(stage_locks).values(
                        key=key, owner=owner, expires_at=now + timedelta(seconds=lease_seconds)
                    )
                )
        except IntegrityError:
            return False
    return True


def renew(engine: Engine, key: str, owner: str, lease_seconds: float) -> bool:
    """Extend our lease; False if we no longer hold the lock."""
    with engine.begin() as conn:
        result = conn.execute(
            update(stage_locks)
            .where(stage_locks.c.key == key, stage_locks.c.owner == owner)
            .values(expires_at=utcnow() + timedelta(seconds=lease_seconds))
        )
    return result.rowcount == 1


def release(engine: Engine, key: str, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(stage_locks).where(stage_locks.c.key == key, stage_locks.c.owner == owner)
        )


@contextmanager
def held(
    engine: Engine,
    key: str,
    *,
    lease_seconds: float = 60.0,
    poll_seconds: float = 1.0,
    timeout_seconds: float = 3600.0,
) -> Iterator[None]:
    """Hold ``key`` for the block, waiting for another holder to finish or its lease to lapse."""
    owner = f"{os.getpid()}-{secrets.token_hex(6)}"
    deadline = time.monotonic() + timeout_seconds
    while not try_acquire(engine, key, owner, lease_seconds):
        if time.monotonic() > deadline:
            raise TimeoutError(f"lock {key!r} still held after {timeout_seconds:.0f} s")
        time.sleep(poll_seconds)
    stop = threading.Event()

    def keep_alive() -> None:
        while not stop.wait(lease_seconds / 3):
            if not renew(engine, key, owner, lease_seconds):
                logger.warning("lost lock %s", key)
                return

    renewer = threading.Thread(target=keep_alive, name=f"lease-{key}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join(timeout=5)
        release(engine, key, owner)
