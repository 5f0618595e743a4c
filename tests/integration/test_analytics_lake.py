"""The analytics views on a real lake: upgrading an old lake, guests from speaker identification."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

from podclip.core.settings import Settings, get_settings
from podclip.store import lake, ops
from podclip.store.clips import EpisodeInfo, EpisodeOutput, publish
from podclip.store.migrations import lake_0001_clips, lake_0070_outputs
from podclip.store.query import run_sql
from tests.support.seed import make_batch


def _rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    ops.engine_for(settings.resolved_database_url)  # run_sql attaches the jobs database too
    columns, rows = run_sql(settings, sql)
    return [dict(zip(columns, r, strict=True)) for r in rows]


def _old_lake(settings: Settings) -> None:
    """A lake as podclip left it before lake_0080: two jobs' clips, no ``episodes`` table."""
    catalog = settings.resolved_lake_catalog
    Path(catalog.removeprefix("sqlite:")).parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(":memory:")
    try:
        for package, name in (
            ("duckdb_extension_ducklake", "ducklake"),
            ("duckdb_extension_sqlite", "sqlite"),
        ):
            conn.execute(f"INSTALL '{lake.extension_path(package, name)}'")
            conn.execute(f"LOAD {name}")
        conn.execute(
            f"ATTACH 'ducklake:{catalog}' AS lake (DATA_PATH '{settings.resolved_lake_data_url}')"
        )
        conn.execute("USE lake")
        conn.execute(
            "CREATE TABLE lake_migrations "
            "(version INTEGER, name VARCHAR, applied_at TIMESTAMP WITH TIME ZONE)"
        )
        for module in (lake_0001_clips, lake_0070_outputs):
            for statement in module.STATEMENTS:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO lake_migrations VALUES (?, ?, now())", [module.VERSION, module.NAME]
            )
        conn.execute(
            """
            INSERT INTO clips
            SELECT 'clip_' || i, 'job_old' || (i % 2), 'sha', i, 'how_to', 'Educational/How-To',
                   10.0 * i, 'r', 'hook ' || i, 'q', 0, 30, 30, 't', NULL, 'v1', 'tiny.en',
                   TIMESTAMPTZ '2024-06-30 23:30:00+00'
            FROM range(1, 6) AS t(i)
            """
        )
    finally:
        conn.close()


def test_old_lake_upgrades_and_its_clips_stay_visible(data_root: Path) -> None:
    settings = get_settings()
    _old_lake(settings)
    lake.ensure_schema(settings)

    clips = _rows(settings, "SELECT * FROM clip_scores ORDER BY clip_id")
    assert [c["clip_id"] for c in clips] == [f"clip_{i}" for i in range(1, 6)]
    assert {c["show_name"] for c in clips} == {None}
    assert {str(c["episode_date"]) for c in clips} == {"2024-06-30"}  # publish day, UTC

    summary = {r["job_id"]: r for r in _rows(settings, "SELECT * FROM episode_summary")}
    assert set(summary) == {"job_old0", "job_old1"}
    odd = summary["job_old1"]  # clips 1, 3, 5
    assert (odd["clip_count"], odd["max_score"], odd["best_clip_id"]) == (3, 50.0, "clip_5")
    assert odd["mean_score"] == 30.0 and odd["total_clip_seconds"] == 90.0
    assert odd["clip_coverage"] is None  # the episode's length was never in the lake

    # A job published now sits beside them with its facts.
    publish(settings, make_batch("job_new"))
    new = _rows(settings, "SELECT * FROM episode_summary WHERE job_id = 'job_new'")
    assert [(r["show_name"], r["clip_count"]) for r in new] == [("Seed Show", 1)]
    versions = _rows(settings, "SELECT version FROM lake_migrations ORDER BY version")
    # The upgrade applied 80 and 81 (episodes, views) and every later one (reviews, ...).
    applied = [v["version"] for v in versions]
    assert applied == sorted(set(applied)) and {1, 70, 80, 81} <= set(applied)
    assert max(applied) >= 186


def test_guest_comes_from_the_job_else_from_speaker_identification(data_root: Path) -> None:
    settings = get_settings()
    base = make_batch("job_a")
    assert base.episode is not None
    nameless = replace(base.episode, guest_name=None)
    speakers = EpisodeOutput("speakers", body='{"guest_name": " Ada Guest ", "speakers": 2}')
    publish(settings, replace(base, episode=nameless, outputs=[*base.outputs, speakers]))
    named = replace(base.episode, guest_name="Job Guest")
    publish(
        settings,
        replace(base, job_id="job_b", episode=named, outputs=[speakers]),
    )
    broken = EpisodeOutput("speakers", body="{not json")
    publish(settings, replace(base, job_id="job_c", episode=nameless, outputs=[broken]))

    guests = {
        r["job_id"]: r["guest_name"]
        for r in _rows(settings, "SELECT job_id, guest_name FROM clip_scores")
    }
    assert guests == {"job_a": "Ada Guest", "job_b": "Job Guest", "job_c": None}
    summary = {
        r["job_id"]: r["guest_name"]
        for r in _rows(settings, "SELECT job_id, guest_name FROM episode_summary")
    }
    assert summary == guests


def test_republishing_replaces_the_episode_row(data_root: Path) -> None:
    settings = get_settings()
    batch = make_batch("job_r")
    assert batch.episode is not None
    publish(settings, batch)
    renamed: EpisodeInfo = replace(batch.episode, show_name="Renamed")
    publish(settings, replace(batch, episode=renamed))
    rows = _rows(settings, "SELECT show_name FROM episode_summary WHERE job_id = 'job_r'")
    assert rows == [{"show_name": "Renamed"}]
    shows = _rows(settings, "SELECT DISTINCT show_name FROM clip_scores WHERE job_id = 'job_r'")
    assert shows == [{"show_name": "Renamed"}]
