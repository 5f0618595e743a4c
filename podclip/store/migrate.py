"""Apply the numbered migrations in ``store/migrations`` to each store, once each.

The operational database is migrated only by :func:`migrate`: ``podclip migrate`` and every
start of the stack (``podclip serve``/``run``/``demo``, the API's startup) call it; opening an
engine never does. Each ``ops_NNNN_*.py`` carries fixed DDL for SQLite and PostgreSQL, applied
in one transaction together with its ``schema_migrations`` row, while a lock (a file beside a
SQLite database, an advisory lock on PostgreSQL) keeps two processes starting at once from
running the same migration twice.
"""

from __future__ import annotations

import fcntl
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.pool import NullPool

import podclip.store.migrations as migrations_pkg
from podclip.core.errors import StoreError
from podclip.core.settings import Settings
from podclip.store.lake_transaction import transaction
from podclip.store.ops import make_sqlite_dir, sqlite_path, sqlite_pragmas
from podclip.store.schema import schema_migrations

if TYPE_CHECKING:
    import duckdb

# pg_advisory_lock key for migrations: any constant shared by every podclip process.
_MIGRATE_LOCK_ID = 0x706F64636C6970
# The bookkeeping table, as the first runner created it (fixed like any migration).
_SCHEMA_MIGRATIONS = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, "
    "name VARCHAR(200) NOT NULL, applied_at DATETIME NOT NULL, PRIMARY KEY (version))",
    "postgresql": "CREATE TABLE IF NOT EXISTS schema_migrations (version SERIAL NOT NULL, "
    "name VARCHAR(200) NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL, "
    "PRIMARY KEY (version))",
}


def _modules(prefix: str) -> list[ModuleType]:
    names = sorted(
        m.name for m in pkgutil.iter_modules(migrations_pkg.__path__) if m.name.startswith(prefix)
    )
    mods = [importlib.import_module(f"podclip.store.migrations.{n}") for n in names]
    versions = [m.VERSION for m in mods]
    if versions != sorted(set(versions)):
        raise RuntimeError(f"{prefix} migrations have duplicate or unordered versions: {versions}")
    return mods


def head() -> int:
    """The newest operational migration this code knows."""
    return int(_modules("ops_")[-1].VERSION)


def migrate(url: str, *, target: int | None = None, settings: Settings | None = None) -> list[int]:
    """Bring the operational database at ``url`` to the newest schema (or ``target``).

    Returns the versions applied; an up-to-date database costs one query. ``settings``
    (default: the process's) reach migrations with a data step (the secrets key, for one).
    """
    engine = _migration_engine(url)
    try:
        with _locked(engine, url):
            return _upgrade(engine, target, settings)
    finally:
        engine.dispose()


def applied_versions(url: str) -> list[int]:
    """The versions recorded in ``schema_migrations`` (empty for a new database)."""
    engine = _migration_engine(url)
    try:
        with engine.connect() as conn:
            if not engine.dialect.has_table(conn, "schema_migrations"):
                return []
            rows = conn.execute(select(schema_migrations.c.version)).scalars()
            return sorted(int(v) for v in rows)
    finally:
        engine.dispose()


def _migration_engine(url: str) -> Engine:
    """A private engine with real transactions for DDL (SQLite's driver would autocommit it)."""
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool)
    make_sqlite_dir(url)
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    def _connect(dbapi_conn: Any, record: Any) -> None:
        sqlite_pragmas(dbapi_conn, record)
        dbapi_conn.isolation_level = None  # transactions begin where SQLAlchemy says

    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", _connect)
    event.listen(engine, "begin", _begin)
    return engine


@contextmanager
def _locked(engine: Engine, url: str) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        # A session-level advisory lock does the file lock's job across machines.
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATE_LOCK_ID})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATE_LOCK_ID})")
                conn.commit()
        return
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is None:
        yield
        return
    with open(f"{path}.migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _data_step(module: ModuleType) -> Callable[[Connection, Settings | None], None] | None:
    """The ``DATA`` function (``"module:function"``) of a migration that has one."""
    spec = getattr(module, "DATA", None)
    if spec is None:
        return None
    module_name, _, name = str(spec).partition(":")
    step: Callable[[Connection, Settings | None], None] = getattr(
        importlib.import_module(module_name), name
    )
    return step


def _upgrade(engine: Engine, target: int | None, settings: Settings | None = None) -> list[int]:
    dialect = engine.dialect.name
    if dialect not in _SCHEMA_MIGRATIONS:
        raise StoreError(f"podclip's migrations support SQLite and PostgreSQL, not {dialect}")
    with engine.begin() as conn:
        conn.exec_driver_sql(_SCHEMA_MIGRATIONS[dialect])
        done = set(conn.execute(select(schema_migrations.c.version)).scalars())
    applied: list[int] = []
    for module in _modules("ops_"):
        if module.VERSION in done or (target is not None and target < module.VERSION):
            continue
        statements = module.SQLITE if dialect == "sqlite" else module.POSTGRESQL
        fk_off = dialect == "sqlite" and getattr(module, "SQLITE_FOREIGN_KEYS_OFF", False)
        with engine.connect() as conn:
            if fk_off:
                # Only outside a transaction does SQLite honour this pragma, so it goes to the
                # driver's connection directly (SQLAlchemy would begin one first).
                driver = conn.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                for statement in statements:
                    conn.execute(text(statement))
                step = _data_step(module)
                if step is not None:
                    step(conn, settings)
                if fk_off:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StoreError(f"migration {module.VERSION} broke foreign keys: {broken}")
                conn.execute(
                    insert(schema_migrations).values(
                        version=module.VERSION, name=module.NAME, applied_at=datetime.now(UTC)
                    )
                )
        applied.append(module.VERSION)
    return applied


def upgrade_lake(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Bring the attached lake (catalog ``lake``) to the newest schema in one transaction each."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS lake.lake_migrations "
        "(version INTEGER, name VARCHAR, applied_at TIMESTAMP WITH TIME ZONE)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM lake.lake_migrations").fetchall()}
    applied: list[int] = []
    for module in _modules("lake_"):
        if module.VERSION in done:
            continue
        with transaction(conn):
            conn.execute("USE lake")
            for statement in module.STATEMENTS:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO lake.lake_migrations VALUES (?, ?, now())",
                [module.VERSION, module.NAME],
            )
        applied.append(module.VERSION)
    return applied
