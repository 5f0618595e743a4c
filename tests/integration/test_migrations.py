"""The operational schema's migrations: fixed DDL from an empty database and from the old head,
``podclip migrate`` idempotent, and no engine that migrates behind anyone's back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select

from podclip.core.settings import get_settings
from podclip.store import feeds, migrate, ops
from podclip.store.schema import DEFAULT_ACCOUNT_ID, metadata, schema_migrations
from tests.support import postgres

pytestmark = pytest.mark.both_databases  # the store: SQLite and PostgreSQL

OLD_HEAD = Path(__file__).parent / "fixtures" / "ops_head70.sql"
# Rows in the old-head fixture, per table that gains an account.
OLD_ROWS = {"jobs": 2, "api_keys": 1, "idempotency_keys": 1, "webhooks": 1, "feeds": 1}


def _sqlite_url(tmp_path: Path, name: str = "ops.db") -> str:
    return f"sqlite:///{tmp_path / name}"


def _old_head(tmp_path: Path) -> str:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_HEAD.read_text())
    return f"sqlite:///{path}"


def _columns(url: str) -> dict[str, set[str]]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {t: {c["name"] for c in found.get_columns(t)} for t in found.get_table_names()}
    finally:
        engine.dispose()


def _declared() -> dict[str, set[str]]:
    return {name: {c.name for c in table.columns} for name, table in metadata.tables.items()}


def test_a_new_database_gets_exactly_the_declared_schema(
    tmp_path: Path, database_url: str | None
) -> None:
    if database_url is None:
        _new_database_gets_the_declared_schema(_sqlite_url(tmp_path))
        return
    # The ``database_url`` fixture's database is migrated already (the autouse fixture does
    # what the stack's start does), so PostgreSQL gets an empty database of its own here.
    url = postgres.create_database()
    try:
        _new_database_gets_the_declared_schema(url)
    finally:
        postgres.drop_database(url)


def _new_database_gets_the_declared_schema(url: str) -> None:
    assert migrate.applied_versions(url) == []
    assert migrate.migrate(url) == migrate.applied_versions(url)
    assert migrate.applied_versions(url)[-1] == migrate.head()
    assert _columns(url) == _declared()


def test_the_old_head_upgrades_and_keeps_every_row_in_the_default_account(
    tmp_path: Path,
) -> None:
    url = _old_head(tmp_path)
    assert migrate.applied_versions(url) == [1, 2, 40, 50, 60, 70]
    applied = migrate.migrate(url)
    assert applied and applied[0] > 70 and applied[-1] == migrate.head()
    assert _columns(url) == _declared()
    with sqlite3.connect(tmp_path / "old.db") as db:
        for table, count in OLD_ROWS.items():
            owners = db.execute(f"SELECT account_id, count(*) FROM {table} GROUP BY 1").fetchall()
            assert owners == [(DEFAULT_ACCOUNT_ID, count)], table
        assert db.execute("SELECT name FROM accounts").fetchall() == [("default",)]
        # The feeds rebuild kept the seen items and their foreign key, and cascaded nothing.
        assert db.execute("SELECT count(*) FROM feed_items").fetchone() == (1,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT count(*) FROM webhook_attempts").fetchone() == (1,)
    engine = ops.engine_for(url)
    (feed,) = feeds.list_feeds(engine)
    assert feeds.seen_guids(engine, feed.id) == {"g1"}
    complete = [j for j in ops.list_jobs(engine) if j.status == "complete"]
    assert [j.account_id for j in complete] == [DEFAULT_ACCOUNT_ID]


def test_migrations_to_70_make_the_schema_the_old_code_made(tmp_path: Path) -> None:
    # The frozen DDL of 1..70 is the DDL the old code generated: same tables, same columns.
    fresh = _sqlite_url(tmp_path, "fresh.db")
    migrate.migrate(fresh, target=70)
    assert _columns(fresh) == _columns(_old_head(tmp_path))


def test_migrate_is_idempotent_and_the_cli_says_so(data_root: Path) -> None:
    url = get_settings().resolved_database_url  # under the test's data root
    assert migrate.migrate(url) == []  # the test's fixture migrated it already
    for _ in range(2):
        result = subprocess.run(
            [str(Path(sys.executable).parent / "podclip"), "migrate"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "already up to date" in result.stdout
    with ops.engine_for(url).connect() as conn:
        versions = conn.execute(select(schema_migrations.c.version)).scalars().all()
    assert len(versions) == len(set(versions)) and max(versions) == migrate.head()


def test_engine_for_never_migrates(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path, "untouched.db")
    with ops.engine_for(url).connect() as conn:
        assert inspect(conn).get_table_names() == []
    assert migrate.applied_versions(url) == []
