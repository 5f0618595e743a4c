"""What only PostgreSQL has to show: migrations from three processes at once (an advisory lock,
for the operational database and for the lake's first attach),
a drainer skipping the jobs another is claiming (``SKIP LOCKED``), and DuckLake on a PostgreSQL
catalog read together with the operational tables by ``podclip sql``."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from podclip.core.settings import Settings
from podclip.store import backends, lake, ops, queue
from podclip.store.migrate import head, migrate
from podclip.store.query import run_sql
from podclip.store.schema import schema_migrations
from tests.support import postgres

pytestmark = pytest.mark.both_databases  # the store: SQLite and PostgreSQL


@pytest.fixture
def pg_url() -> Iterator[str]:
    reason = None if postgres.required() else postgres.unavailable_reason()
    if reason:
        pytest.skip(reason)
    url = postgres.create_database()
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def migrated_pg_url(pg_url: str) -> str:
    migrate(pg_url)
    return pg_url


def test_three_processes_migrate_one_fresh_database(pg_url: str) -> None:
    code = f"from podclip.store.migrate import migrate; migrate({pg_url!r}); print('ok')"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    assert all(p.communicate(timeout=120)[0].strip() == "ok" for p in procs)
    with ops.engine_for(pg_url).connect() as conn:
        versions = conn.execute(select(schema_migrations.c.version)).scalars().all()
    assert len(versions) == len(set(versions)) and max(versions) == head()


def test_three_processes_open_one_fresh_lake_catalog(tmp_path: Path, pg_url: str) -> None:
    # DuckLake creates its tables at the first ATTACH of a catalog; without a lock, one of three
    # processes starting at once failed (a duplicate key in PostgreSQL's catalog, or a conflict).
    catalog = f"postgres:{backends.libpq_from_url(pg_url)}"
    code = (
        "from podclip.core.settings import Settings; from podclip.store import lake; "
        f"lake.ensure_schema(Settings(data_root={str(tmp_path / 'data')!r}, "
        f"lake_catalog={catalog!r})); print('ok')"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [out.strip() for out, _ in results] == ["ok"] * 3, [err[-800:] for _, err in results]
    settings = Settings(data_root=tmp_path / "data", lake_catalog=catalog)
    with lake.connect(settings, read_only=True) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM lake_migrations").fetchall()]
    assert len(versions) == len(set(versions)) > 0


def test_a_drainer_skips_jobs_another_is_claiming(migrated_pg_url: str) -> None:
    engine = ops.engine_for(migrated_pg_url)
    created = [
        ops.create_job(engine, source_type="audio_url", source_url=f"https://e.com/{n}.mp3").id
        for n in range(6)
    ]
    oldest = sorted(created, key=lambda j: (ops.get_job(engine, j).created_at, j))
    got: list[list[tuple[str, int]]] = []
    with engine.connect() as busy:
        # A first drainer mid-claim: it holds row locks on the three oldest queued jobs.
        busy.execute(text("SELECT id FROM jobs ORDER BY created_at, id LIMIT 3 FOR UPDATE")).all()
        second = threading.Thread(target=lambda: got.append(queue.claim_queued(engine, "b", 3)))
        second.start()
        second.join(timeout=30)
        assert not second.is_alive(), "the second drainer waited for the first one's rows"
        busy.rollback()
    assert [job_id for job_id, _ in got[0]] == sorted(oldest[3:])
    rest = queue.claim_queued(engine, "a", 10)
    assert [job_id for job_id, _ in rest] == sorted(oldest[:3])
    assert queue.claim_queued(engine, "c", 10) == []


def test_lake_on_postgres_catalog_and_sql_over_both(migrated_pg_url: str, tmp_path: Path) -> None:
    pg_url = migrated_pg_url
    catalog_url = postgres.create_database("lake")
    try:
        settings = Settings(
            data_root=tmp_path / "data",
            database_url=pg_url,
            lake_catalog=f"postgres:{backends.libpq_from_url(catalog_url)}",
        )
        engine = ops.engine_for(pg_url)
        job = ops.create_job(engine, source_type="audio_url", source_url="https://e.com/a.mp3")
        with lake.connect(settings) as conn:
            tables = {row[0] for row in conn.execute("SHOW TABLES").fetchall()}
            assert {"clips", "renders", "transcript_segments"} <= tables
        columns, rows = run_sql(settings, "SELECT id, status FROM jobs")
        assert columns == ["id", "status"] and rows == [(job.id, "queued")]
        _, counted = run_sql(settings, "SELECT count(*) FROM clips")
        assert counted == [(0,)]
        with ops.engine_for(pg_url).connect() as conn:
            assert conn.execute(select(func.count()).select_from(schema_migrations)).scalar_one()
        # The catalog is PostgreSQL's: its tables live there, not in a file under the data root.
        assert not (tmp_path / "data" / "lake" / "catalog.sqlite").exists()
    finally:
        postgres.drop_database(catalog_url)
