"""The analytical lake: DuckLake over a SQLite (or PostgreSQL) catalog, read with DuckDB.

No process keeps a ``.duckdb`` file open: each unit of work opens an in-memory DuckDB, attaches
the DuckLake catalog as ``lake`` and closes it again, so the pipeline, the API and analysts can
all use the lake at once. Extensions are installed from their PyPI packages, never downloaded.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from podclip.core.errors import StoreError
from podclip.core.settings import Settings
from podclip.store import backends, migrate

# extension_path is also taken from here by callers (tests, benchmarks).
from podclip.store.backends import extension_path
from podclip.store.lake_transaction import run_transaction
from podclip.store.write_lock import write_lock_for

_migrated: set[str] = set()
_migrate_lock = threading.Lock()
# pg_advisory_lock key for a lake's first attach: any constant shared by every podclip process
# (the operational database's migrations use another).
_SCHEMA_LOCK_ID = 0x706F646C616B65


def _load_extensions(conn: duckdb.DuckDBPyConnection, catalog: str) -> None:
    conn.execute(f"INSTALL '{extension_path('duckdb_extension_ducklake', 'ducklake')}'")
    conn.execute("LOAD ducklake")
    if catalog.startswith("sqlite:"):
        conn.execute(f"INSTALL '{extension_path('duckdb_extension_sqlite', 'sqlite')}'")
        conn.execute("LOAD sqlite")


_prepared_catalogs: set[str] = set()
_prepare_lock = threading.Lock()


def _prepare_sqlite_catalog(catalog: str) -> None:
    """Put the catalog in WAL mode (readers then stay fast while pipelines commit), once per
    process, before DuckDB opens it here, and under the catalog's write lock (its folder exists).

    Opening the catalog with Python's sqlite3 while another process's DuckDB committed to it lost
    that commit without an error: two processes publishing at once lost the first commit after
    start in 4-6 of 10-12 runs, and in 0 of 12 with this step under the write lock.

    Python's sqlite3 and DuckDB's sqlite extension are two copies of SQLite; closing a file in
    one drops the POSIX locks the other holds on it (sqlite.org/howtocorrupt.html, 2.2.1), so
    opening the catalog with sqlite3 while DuckDB has it attached corrupted it under load.
    """
    with _prepare_lock:
        if catalog in _prepared_catalogs:
            return
        with sqlite3.connect(_sqlite_file(catalog), timeout=30) as db:
            db.execute("PRAGMA journal_mode=wal")
        _prepared_catalogs.add(catalog)


def _sqlite_file(catalog: str) -> str:
    return catalog.removeprefix("sqlite:")


@contextmanager
def connect(settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield an in-memory DuckDB with the lake attached as ``lake`` and selected by ``USE``.

    A writer on a SQLite catalog holds the catalog's write lock until it closes: SQLite's
    "database is locked" fails a DuckLake commit outright (two workers publishing at once lost a
    third of their commits). On PostgreSQL writers do not queue; :func:`write` runs a
    transaction again when it lost a race.
    """
    catalog = settings.resolved_lake_catalog
    with ExitStack() as stack:
        if catalog.startswith("sqlite:"):
            Path(_sqlite_file(catalog)).parent.mkdir(parents=True, exist_ok=True)
            lock = write_lock_for(_sqlite_file(catalog))
            if not read_only:
                stack.enter_context(lock.held())
                _prepare_sqlite_catalog(catalog)
            elif catalog not in _prepared_catalogs:  # a reader waits on writers only this once
                with lock.held():
                    _prepare_sqlite_catalog(catalog)
        yield stack.enter_context(_attached(settings, read_only=read_only))


@contextmanager
def _schema_lock(catalog: str) -> Iterator[None]:
    """Held while a process first attaches the lake as a writer, and so may create or migrate it.

    On a fresh PostgreSQL catalog DuckLake creates its own tables at the first ATTACH; three
    processes starting at once failed one with a duplicate key. A session-level advisory lock
    queues them across machines, as the operational database's migrations do. A SQLite writer
    already holds the catalog's write lock here.
    """
    kind, _, conninfo = catalog.partition(":")
    if kind not in ("postgres", "postgresql"):
        yield
        return
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as pg:
        pg.execute("SELECT pg_advisory_lock(%s)", [_SCHEMA_LOCK_ID])
        try:
            yield
        finally:
            pg.execute("SELECT pg_advisory_unlock(%s)", [_SCHEMA_LOCK_ID])


@contextmanager
def _attached(settings: Settings, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    catalog = settings.resolved_lake_catalog
    data_url = settings.resolved_lake_data_url
    if "://" not in data_url:
        Path(data_url).mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(":memory:", config={"threads": 2})
    try:
        _load_extensions(conn, catalog)
        backends.prepare_duckdb(conn, settings, catalog, data_url)
        options = f"DATA_PATH '{data_url}'"
        if read_only:
            options += ", READ_ONLY"
        key = f"{catalog}|{data_url}"
        if read_only or key in _migrated:
            conn.execute(f"ATTACH 'ducklake:{catalog}' AS lake ({options})")
        else:
            with _migrate_lock, _schema_lock(catalog):
                conn.execute(f"ATTACH 'ducklake:{catalog}' AS lake ({options})")
                migrate.upgrade_lake(conn)
                _migrated.add(key)
        conn.execute("USE lake")
        yield conn
    except duckdb.Error as exc:
        raise StoreError(f"lake error: {exc}") from exc
    finally:
        conn.close()


def write(settings: Settings, work: Callable[[duckdb.DuckDBPyConnection], object]) -> None:
    """Run ``work`` as one lake transaction on a writer connection, again if it lost a race."""
    with connect(settings) as conn:
        run_transaction(conn, work)


_readers: dict[str, duckdb.DuckDBPyConnection] = {}
_readers_lock = threading.Lock()


@contextmanager
def reader(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a cursor on a process-wide read-only attachment of the lake.

    Attaching costs hundreds of milliseconds, a query on an attached lake about ten, so readers
    that serve requests share one attachment; each transaction sees the newest snapshot.
    """
    key = f"{settings.resolved_lake_catalog}|{settings.resolved_lake_data_url}"
    with _readers_lock:
        conn = _readers.get(key)
        if conn is None:
            ensure_schema(settings)
            conn = duckdb.connect(":memory:", config={"threads": 2})
            _load_extensions(conn, settings.resolved_lake_catalog)
            backends.prepare_duckdb(
                conn, settings, settings.resolved_lake_catalog, settings.resolved_lake_data_url
            )
            conn.execute(
                f"ATTACH 'ducklake:{settings.resolved_lake_catalog}' AS lake "
                f"(DATA_PATH '{settings.resolved_lake_data_url}', READ_ONLY)"
            )
            _readers[key] = conn
    cursor = conn.cursor()
    try:
        cursor.execute("USE lake")
        yield cursor
    except duckdb.Error as exc:
        raise StoreError(f"lake error: {exc}") from exc
    finally:
        cursor.close()


def ensure_schema(settings: Settings) -> None:
    """Create or upgrade the lake's tables."""
    with connect(settings):
        pass
