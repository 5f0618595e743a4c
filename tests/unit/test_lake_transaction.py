"""A lake transaction commits its block, rolls back a failing block, and reports a failed COMMIT
as itself; a transaction that lost a race to another writer runs again."""

from __future__ import annotations

import duckdb
import pytest

from podclip.store.lake_transaction import lost_race, run_transaction, transaction


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


def test_a_transaction_that_lost_a_race_runs_again_on_the_newest_snapshot() -> None:
    db = duckdb.connect(":memory:")
    db.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    db.execute("INSERT INTO counter VALUES (1, 0)")
    ours, theirs = db.cursor(), db.cursor()
    attempts: list[int] = []

    def add_one(conn: duckdb.DuckDBPyConnection) -> None:
        (n,) = conn.execute("SELECT n FROM counter WHERE id = 1").fetchone() or (None,)
        attempts.append(n)
        if len(attempts) == 1:  # another writer commits between our read and our write
            theirs.execute("UPDATE counter SET n = n + 10 WHERE id = 1")
        conn.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])

    run_transaction(ours, add_one)
    assert attempts == [0, 10]  # the second attempt read the other writer's commit
    assert db.execute("SELECT n FROM counter").fetchone() == (11,)


def test_other_failures_are_not_run_again() -> None:
    db = _db()
    db.execute("INSERT INTO t VALUES (1)")
    calls: list[None] = []

    def insert_duplicate(conn: duckdb.DuckDBPyConnection) -> None:
        calls.append(None)
        conn.execute("INSERT INTO t VALUES (1)")

    with pytest.raises(duckdb.ConstraintException):
        run_transaction(db, insert_duplicate)
    assert len(calls) == 1


def test_which_failures_are_lost_races() -> None:
    raced = [
        "TransactionContext Error: Failed to commit: Failed to commit DuckLake transaction.\n"
        "Transaction conflict - attempting to insert into table with index 2 - but another "
        "transaction has deleted inlined data from it",
        "TransactionContext Error: Failed to commit: Failed to commit DuckLake transaction.\n"
        "Failed to flush changes into DuckLake: database is locked",
        "TransactionContext Error: Conflict on update!",
    ]
    assert all(lost_race(duckdb.TransactionException(m)) for m in raced)
    duplicate = 'TransactionContext Error: Failed to commit: duplicate key "1"'
    assert not lost_race(duckdb.TransactionException(duplicate))
    assert not lost_race(duckdb.ConstraintException("Conflict on nothing: a constraint"))


def test_a_writer_that_keeps_losing_keeps_trying_until_its_deadline() -> None:
    db = duckdb.connect(":memory:")
    db.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    db.execute("INSERT INTO counter VALUES (1, 0)")
    ours, theirs = db.cursor(), db.cursor()
    attempts: list[int] = []

    def add_one(conn: duckdb.DuckDBPyConnection) -> None:
        (n,) = conn.execute("SELECT n FROM counter WHERE id = 1").fetchone() or (None,)
        attempts.append(n)
        if len(attempts) <= 9:  # a busy neighbour wins the first nine races
            theirs.execute("UPDATE counter SET n = n + 10 WHERE id = 1")
        conn.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])

    run_transaction(ours, add_one, first_wait_s=0.001)
    assert len(attempts) == 10
    assert db.execute("SELECT n FROM counter").fetchone() == (91,)
    # Past its deadline a writer reports the race it lost instead of waiting on.
    attempts.clear()
    with pytest.raises(duckdb.TransactionException, match="onflict"):
        run_transaction(ours, add_one, deadline_s=0.0)
    assert len(attempts) == 1
