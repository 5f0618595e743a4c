"""A lake transaction commits its block, rolls back a failing block, and reports a failed COMMIT
as itself."""

from __future__ import annotations

import duckdb
import pytest

from podclip.store.lake_transaction import transaction


def _db() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    return db


def test_the_block_is_committed() -> None:
    db = _db()
    with transaction(db):
        db.execute("INSERT INTO t VALUES (1), (2)")
    assert db.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_a_failing_block_leaves_nothing() -> None:
    db = _db()
    with pytest.raises(RuntimeError, match="half-way"), transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("half-way")
    assert db.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with transaction(db):  # and the connection is usable again
        db.execute("INSERT INTO t VALUES (1)")


def test_a_failed_commit_is_reported_as_itself() -> None:
    # A concurrent transaction wins the key; this one's COMMIT fails and ends the transaction.
    # Rolling back then raised "no transaction is active", which hid the commit's reason.
    db = _db()
    winner, loser = db.cursor(), db.cursor()
    winner.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.TransactionException, match="duplicate key"), transaction(loser):
        loser.execute("INSERT INTO t VALUES (1)")
        winner.execute("INSERT INTO t VALUES (1)")
        winner.execute("COMMIT")
    assert db.execute("SELECT count(*) FROM t").fetchone() == (1,)
