"""Apply the numbered migrations in ``store/migrations`` to each store, once each."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import Engine, insert, select

import podclip.store.migrations as migrations_pkg
from podclip.store.ops_schema import schema_migrations

if TYPE_CHECKING:
    import duckdb


def _modules(prefix: str) -> list[ModuleType]:
    names = sorted(
        m.name for m in pkgutil.iter_modules(migrations_pkg.__path__) if m.name.startswith(prefix)
    )
    mods = [importlib.import_module(f"podclip.store.migrations.{n}") for n in names]
    versions = [m.VERSION for m in mods]
    if versions != sorted(set(versions)):
        raise RuntimeError(f"{prefix} migrations have duplicate or unordered versions: {versions}")
    return mods


def upgrade_ops(engine: Engine) -> list[int]:
    """Bring the operational database to the newest schema; return the versions applied."""
    applied: list[int] = []
    with engine.begin() as conn:
        schema_migrations.create(conn, checkfirst=True)
    for module in _modules("ops_"):
        with engine.begin() as conn:
            done = conn.execute(
                select(schema_migrations.c.version).where(
                    schema_migrations.c.version == module.VERSION
                )
            ).first()
            if done is not None:
                continue
            module.upgrade(conn)
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
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute("USE lake")
            for statement in module.STATEMENTS:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO lake.lake_migrations VALUES (?, ?, now())",
                [module.VERSION, module.NAME],
            )
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(module.VERSION)
    return applied
