"""PostgreSQL for tests: one server (``scripts/postgres.sh up``), a fresh database per test.

``PODCLIP_TEST_PG_DSN`` names the server (a SQLAlchemy URL of a database the role may
``CREATE DATABASE`` from); without it PostgreSQL cases are skipped, unless
``PODCLIP_REQUIRE_POSTGRES=1`` (CI), which turns a missing server into an error.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DSN_ENV = "PODCLIP_TEST_PG_DSN"
REQUIRE_ENV = "PODCLIP_REQUIRE_POSTGRES"


def dsn() -> str | None:
    return os.environ.get(DSN_ENV) or None


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "false")


@lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why PostgreSQL cases cannot run here, or None when the server answers."""
    url = dsn()
    if url is None:
        return f"PostgreSQL not configured: set {DSN_ENV} (make pg-up prints one)"
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver error means "not reachable"
        return f"PostgreSQL at {url} not reachable: {type(exc).__name__}: {exc}"
    return None


def _admin_url() -> str:
    url = dsn()
    if url is None:
        raise RuntimeError(f"{DSN_ENV} is not set")
    return url


def create_database(prefix: str = "test") -> str:
    """Create an empty database; return its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by :func:`create_database`, closing whatever still uses it."""
    from podclip.store.ops import engine_for, write_engine_for

    # Close this database's pooled connections, and leave the (now empty) engines cached: an
    # engine dropped from the cache with connections in its pool leaves them to the garbage
    # collector, which warns (an error under pytest) in whichever test runs then.
    for cached in (engine_for, write_engine_for):
        cached(url).dispose()
    name = make_url(url).database
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


class _Row(tuple):  # type: ignore[type-arg]
    """A row readable by position and by column name, like ``sqlite3.Row``."""

    names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self.names.index(key))
        return super().__getitem__(key)


class _Connection:
    """psycopg behind sqlite3's face: ``?`` placeholders, ``execute`` on the connection."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self._conn.cursor(row_factory=_row_factory)
        cursor.execute(sql.replace("?", "%s"), tuple(params))
        return cursor

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.__exit__(*exc)


def _row_factory(cursor: Any) -> Any:
    names = tuple(c.name for c in cursor.description or ())

    def make(values: Sequence[Any]) -> _Row:
        row = _Row(values)
        row.names = names
        return row

    return make


def dbapi_connect(url: str) -> _Connection:
    """A DB-API connection on a PostgreSQL database named by a SQLAlchemy URL."""
    import psycopg

    parsed = make_url(url)
    conn = psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        dbname=parsed.database,
        user=parsed.username,
        password=parsed.password,
    )
    return _Connection(conn)
