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
    process and before DuckDB opens it here.

    Python's sqlite3 and DuckDB's sqlite extension are two copies of SQLite; closing a file in
    one drops the POSIX locks the other holds on it (sqlite.org/howtocorrupt.html, 2.2.1), so
    opening the catalog with sqlite3 while DuckDB has it attached corrupted it under load.
    """
    with _prepare_lock:
        if catalog in _prepared_catalogs:
            return
        path = Path(_sqlite_file(catalog))
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path, timeout=30) as db:
            db.execute("PRAGMA journal_mode=wal")
        _prepared_catalogs.add(catalog)


def _sqlite_file(catalog: str) -> str:
    return catalog.removeprefix("sqlite:")


@contextmanager
def connect(settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield an in-memory DuckDB with the lake attached as ``lake`` and selected by ``USE``.

    A writer on a SQLite catalog holds the catalog's write lock until it closes: DuckLake
    retries a commit that loses a race on PostgreSQL, but SQLite's "database is locked" fails
    the commit outright (two workers publishing at once lost a third of their commits).
    """
    catalog = settings.resolved_lake_catalog
    with ExitStack() as stack:
        if catalog.startswith("sqlite:"):
            _prepare_sqlite_catalog(catalog)
            if not read_only:
                stack.enter_context(write_lock_for(_sqlite_file(catalog)).held())
        yield stack.enter_context(_attached(settings, read_only=read_only))


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
        conn.execute(f"ATTACH 'ducklake:{catalog}' AS lake ({options})")
        key = f"{catalog}|{data_url}"
        if not read_only and key not in _migrated:
            with _migrate_lock:
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
