"""Ad-hoc SQL over both stores: the lake's tables and the operational tables by plain names."""

from __future__ import annotations

from typing import Any

from podclip.core.settings import Settings
from podclip.store import backends, lake

OPS_TABLES = ("jobs", "job_events")


def run_sql(settings: Settings, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read query; return column names and rows."""
    with lake.connect(settings, read_only=True) as conn:
        url = settings.resolved_database_url
        attached = False
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            conn.execute(f"ATTACH '{path}' AS ops (TYPE sqlite, READ_ONLY)")
            attached = True
        elif url.startswith("postgresql"):
            backends.prepare_duckdb(conn, settings, url)
            dsn = backends.libpq_from_url(url).replace("'", "''")
            conn.execute(f"ATTACH '{dsn}' AS ops (TYPE postgres, READ_ONLY)")
            attached = True
        if attached:
            for table in OPS_TABLES:
                conn.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM ops.{table}")
        result = conn.execute(sql)
        columns = [d[0] for d in result.description or ()]
        return columns, result.fetchall()
