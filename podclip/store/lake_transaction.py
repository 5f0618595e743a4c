"""One lake transaction: a DuckDB ``BEGIN`` ... ``COMMIT`` that leaves nothing behind on failure,
run again when its commit lost a race to another writer."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

# A writer that keeps losing races keeps trying this long: two processes publishing a dozen jobs
# each beside one that republishes lost six races in a row (about 3 s of waiting) on a busy
# 2-core machine, and failed a publish that a second later would have landed.
WRITE_DEADLINE_SECONDS = 60.0
FIRST_WAIT_SECONDS = 0.05
MAX_WAIT_SECONDS = 1.0
# DuckLake retries a commit that raced another by itself, unless the two really conflict by its
# rules ("Transaction conflict - ..."); one of those is coarse: a transaction that deletes
# inlined rows from a table conflicts with any concurrent insert into that table, so a job
# published again (or a clip re-rendered) failed the publish of an unrelated job beside it.
# DuckDB's own tables say "Conflict on update!". SQLite says "database is locked" when a writer
# podclip does not queue (an analyst's session) holds the catalog.
_LOST_RACE = ("conflict", "database is locked")


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block as one lake transaction (one DuckLake snapshot), or not at all.

    A COMMIT that fails has already ended the transaction, so only a failure inside the block is
    rolled back: rolling back after a failed COMMIT raised "no transaction is active" and hid
    why the commit failed.
    """
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def lost_race(exc: duckdb.Error) -> bool:
    """Whether the transaction failed only because another writer committed first."""
    message = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException) and any(m in message for m in _LOST_RACE)


def run_transaction(
    conn: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], object],
    *,
    deadline_s: float = WRITE_DEADLINE_SECONDS,
    first_wait_s: float = FIRST_WAIT_SECONDS,
) -> None:
    """Run ``work`` in one transaction; run it again on the newest snapshot when it lost a race,
    waiting longer each time (up to MAX_WAIT_SECONDS, with jitter), until ``deadline_s``.

    ``work`` must state the whole change (delete what it replaces, then insert), so that running
    it again is the same change.
    """
    give_up = time.monotonic() + deadline_s
    attempt = 0
    while True:
        attempt += 1
        try:
            with transaction(conn):
                work(conn)
            return
        except duckdb.Error as exc:
            wait = min(first_wait_s * 2 ** (attempt - 1), MAX_WAIT_SECONDS)
            wait += random.uniform(0, wait)
            if not lost_race(exc) or time.monotonic() + wait > give_up:
                raise
        time.sleep(wait)
