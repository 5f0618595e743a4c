"""A lake transaction commits its block, rolls back a failing block, and reports a failed COMMIT
as itself; a transaction that lost a race to another writer runs again."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class Race:
    """A counter that another writer bumps by 10 during each of our first `lost` attempts."""

    lost: int
    db: duckdb.DuckDBPyConnection = field(init=False)
    attempts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.db = duckdb.connect(":memory:")
        self.db.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        self.db.execute("INSERT INTO counter VALUES (1, 0)")
        self.ours, self.theirs = self.db.cursor(), self.db.cursor()

    def add_one(self, conn: duckdb.DuckDBPyConnection) -> None:
        (n,) = conn.execute("SELECT n FROM counter WHERE id = 1").fetchone() or (None,)
        self.attempts.append(n)
        if len(self.attempts) <= self.lost:  # the other writer commits between read and write
            self.theirs.execute("UPDATE counter SET n = n + 10 WHERE id = 1")
        conn.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])

    def value(self) -> object:
        return self.db.execute("SELECT n FROM counter").fetchone()


def test_a_transaction_that_lost_a_race_runs_again_on_the_newest_snapshot() -> None:
    race = Race(lost=1)
    ours, add_one, attempts = race.ours, race.add_one, race.attempts
    run_transaction(ours, add_one)
    assert attempts == [0, 10]  # the second attempt read the other writer's commit
    assert race.value() == (11,)


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
    race = Race(lost=9)  # a busy neighbour wins the first nine races
    run_transaction(race.ours, race.add_one, first_wait_s=0.001)
    assert len(race.attempts) == 10
    assert race.value() == (91,)
    # Past its deadline a writer reports the race it lost instead of waiting on.
    race = Race(lost=1)
    with pytest.raises(duckdb.TransactionException, match="onflict"):
        run_transaction(race.ours, race.add_one, deadline_s=0.0)
    assert len(race.attempts) == 1
