"""One lake transaction: a DuckDB ``BEGIN`` ... ``COMMIT`` that leaves nothing behind on failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


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
