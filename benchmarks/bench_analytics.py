"""Benchmark: the README's example queries over 10 million synthetic clips in a DuckLake.

Run `python benchmarks/bench_analytics.py` (or `make bench-analytics`).

A fresh lake is made in a temporary folder with podclip's own migrations (so the views are the
real ones), then filled inside DuckDB from ``range()`` the way publish writes it: about 200
shows, 1,000,000 episodes over ten years with time-ordered 28-character job ids, 10 clips per
episode (10,000,000 clip rows, scores that depend on the moment type), a guest for three
episodes in four, and 1 % of the jobs published before lake_0080 (no episode facts, as the
migration's backfill leaves them). Text columns are short: the queries never read them.

Each example query (``store.analytics.EXAMPLE_QUERIES``) is timed on a fresh attachment of the
lake (first run) and then as the best of ``--repeats`` runs, beside a baseline measured in the
same run: ``SELECT count(*), avg(shareability_score) FROM clips`` (a full scan of one column).
Results go under the key ``analytics`` of benchmarks/results.json (other keys are kept). Not a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from podclip.core.settings import Settings
from podclip.scoring.labels import CATEGORY_BY_TYPE, MOMENT_TYPES
from podclip.store import lake
from podclip.store.analytics import EXAMPLE_QUERIES

RESULTS = Path(__file__).resolve().parent / "results.json"
BASELINE_SQL = "SELECT count(*), avg(shareability_score) FROM clips"
START_EPOCH_S = 1_420_070_400  # 2015-01-01 UTC
SPAN_S = 10 * 365 * 86_400
# Typical score per moment type, so the distribution chart and query 1 have something to show.
TYPE_BASE = (62.0, 58.0, 66.0, 50.0, 70.0, 55.0, 60.0, 64.0)


def _uniform(expr: str, salt: int) -> str:
    """Deterministic uniform [0, 1) from an integer expression (independent of threads)."""
    return f"((hash({expr} * 7919 + {salt}) % 1000003) / 1000003.0)"


def fill(
    conn: duckdb.DuckDBPyConnection, episodes: int, clips_per_episode: int, shows: int
) -> None:
    """Insert the synthetic clips and episodes through DuckLake, as publish would write them."""
    types = "[" + ", ".join(f"'{t}'" for t in MOMENT_TYPES) + "]"
    cats = "[" + ", ".join(f"'{CATEGORY_BY_TYPE[t]}'" for t in MOMENT_TYPES) + "]"
    bases = "[" + ", ".join(str(b) for b in TYPE_BASE) + "]"
    n_types = len(MOMENT_TYPES)
    total = episodes * clips_per_episode
    # k % 100 = 99: published before lake_0080, so no episode facts on the rows.
    conn.execute(f"""
        CREATE TEMP TABLE ep AS
        SELECT k,
               'job_' || lpad(CAST(k AS VARCHAR), 12, '0') || md5(CAST(k AS VARCHAR))[:12]
                   AS job_id,
               k % 100 = 99 AS legacy,
               CASE WHEN k % {shows} = 0 THEN 'The Long Game'
                    ELSE 'Show ' || lpad(CAST(hash(k) % {shows} AS VARCHAR), 3, '0')
               END AS show_name,
               CASE WHEN k % 4 < 3 THEN 'Guest ' || CAST(hash(k * 31) % 20000 AS VARCHAR)
               END AS guest_name,
               to_timestamp({START_EPOCH_S} + k * {SPAN_S // episodes}) AS published_at,
               900 + CAST({_uniform("k", 1)} * 6300 AS INTEGER) AS seconds
        FROM range({episodes}) AS t(k)
    """)
    conn.execute(f"""
        INSERT INTO lake.clips
        WITH c AS (
            SELECT i, ep.*, CAST(i % {clips_per_episode} AS INTEGER) + 1 AS rank,
                   CAST(floor({_uniform("i", 2)} * {n_types}) AS INTEGER) + 1 AS t,
                   20.0 + {_uniform("i", 4)} * 40.0 AS dur
            FROM range({total}) AS r(i)
            JOIN ep ON ep.k = i // {clips_per_episode}
        )
        SELECT 'clip_' || substr(job_id, 5) || '_' || CAST(rank AS VARCHAR), job_id,
               md5(job_id), rank, {types}[t], {cats}[t],
               greatest(0.0, least(100.0, {bases}[t] + ({_uniform("i", 3)} - 0.5) * 60
                                             - rank * 2.0)),
               'reason', 'Hook of clip ' || CAST(i AS VARCHAR), 'quote',
               {_uniform("i", 5)} * (seconds - 60) AS start_s, start_s + dur, dur,
               'transcript', NULL,
               'scoring-v' || CAST(1 + (i * 3) // {total} AS VARCHAR), 'tiny.en',
               published_at + INTERVAL 2 HOUR,
               CASE WHEN NOT legacy THEN show_name END,
               CASE WHEN NOT legacy THEN 'Episode ' || CAST(k AS VARCHAR) END,
               CASE WHEN NOT legacy THEN guest_name END,
               CASE WHEN NOT legacy THEN CAST(timezone('UTC', published_at) AS DATE) END
        FROM c
    """)
    conn.execute("""
        INSERT INTO lake.episodes
        WITH s AS (
            SELECT job_id, count(*) AS n, avg(shareability_score) AS mean,
                   max(shareability_score) AS best, min(shareability_score) AS worst,
                   arg_max(moment_type, shareability_score) AS top_type,
                   arg_max(clip_id, shareability_score) AS best_clip,
                   sum(duration_seconds) AS clip_seconds, max(scoring_model_version) AS v,
                   min(created_at) AS created
            FROM lake.clips GROUP BY job_id
        )
        SELECT ep.job_id,
               CASE WHEN NOT legacy THEN show_name END,
               CASE WHEN NOT legacy THEN 'Episode ' || CAST(k AS VARCHAR) END,
               CASE WHEN NOT legacy THEN guest_name END,
               CASE WHEN legacy THEN created ELSE published_at END,
               CASE WHEN NOT legacy THEN 'https://example.com/ep/' || CAST(k AS VARCHAR) END,
               CASE WHEN NOT legacy THEN 'audio_url' END,
               CASE WHEN NOT legacy THEN seconds END,
               CASE WHEN NOT legacy THEN 'en' END,
               n, mean, best, worst, top_type, best_clip, clip_seconds, v, created
        FROM ep JOIN s USING (job_id)
        ORDER BY k
    """)


def _attach(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A fresh read-only attachment, as an analyst's DuckDB would open the lake."""
    conn = duckdb.connect(":memory:", config={"threads": os.cpu_count() or 2})
    for package, name in (
        ("duckdb_extension_ducklake", "ducklake"),
        ("duckdb_extension_sqlite", "sqlite"),
    ):
        conn.execute(f"INSTALL '{lake.extension_path(package, name)}'")
        conn.execute(f"LOAD {name}")
    conn.execute(
        f"ATTACH 'ducklake:{settings.resolved_lake_catalog}' AS lake "
        f"(DATA_PATH '{settings.resolved_lake_data_url}', READ_ONLY)"
    )
    conn.execute("USE lake")
    return conn


def _time(run: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    out = run()
    return time.perf_counter() - started, out


def measure(settings: Settings, sql: str, repeats: int) -> dict[str, Any]:
    """First run on a fresh attachment, then the best of ``repeats`` on a warm one."""
    conn = _attach(settings)
    try:
        first, rows = _time(lambda: conn.execute(sql).fetchall())
        runs = [_time(lambda: conn.execute(sql).fetchall())[0] for _ in range(repeats)]
    finally:
        conn.close()
    return {
        "first_s": round(first, 4),
        "best_s": round(min(runs), 4),
        "runs_s": [round(r, 4) for r in runs],
        "rows": len(rows),  # type: ignore[arg-type]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--clips-per-episode", type=int, default=10)
    parser.add_argument("--shows", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--keep", type=Path, help="Build the lake here and keep it; reuse a lake already there."
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="podclip-bench-analytics-"))
    settings = Settings(data_root=root)
    reused = (root / "lake" / "catalog.sqlite").exists()
    try:
        started = time.perf_counter()
        with lake.connect(settings) as conn:  # runs the lake migrations: real tables and views
            if not reused:
                fill(conn, args.episodes, args.clips_per_episode, args.shows)
            counts = {
                t: conn.execute(f"SELECT count(*) FROM lake.{t}").fetchone()[0]  # type: ignore[index]
                for t in ("clips", "episodes")
            }
        generate_s = time.perf_counter() - started
        lake_bytes = sum(f.stat().st_size for f in (root / "lake").rglob("*") if f.is_file())
        verb = "reused" if reused else f"generated in {generate_s:.1f} s:"
        print(f"{verb} {counts}, lake {lake_bytes / 1e6:.0f} MB")

        load_before = os.getloadavg()[0]
        baseline = measure(settings, BASELINE_SQL, args.repeats)
        print(f"{'query':28} {'first s':>8} {'best s':>8} {'rows':>6} {'x baseline':>10}")
        print(f"{'baseline count(*)':28} {baseline['first_s']:8.3f} {baseline['best_s']:8.3f}")
        queries: dict[str, Any] = {}
        for example in EXAMPLE_QUERIES:
            result = measure(settings, example.sql, args.repeats)
            result["vs_baseline"] = round(result["best_s"] / baseline["best_s"], 2)
            queries[example.name] = result
            print(
                f"{example.name:28} {result['first_s']:8.3f} {result['best_s']:8.3f} "
                f"{result['rows']:6d} {result['vs_baseline']:10.2f}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous = results.get("analytics", {}).get("generate_seconds")
    results["analytics"] = {
        "rows": counts,
        # A reused lake was not generated in this run: keep the last run's figure.
        "generate_seconds": previous if reused else round(generate_s, 1),
        "lake_megabytes": round(lake_bytes / 1e6, 1),
        "baseline_sql": BASELINE_SQL,
        "baseline": baseline,
        "queries": queries,
        "target_seconds": 1.0,
        "machine": {
            "cpus": os.cpu_count(),
            # The machine may be shared: the 1-minute load average before and after timing.
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
        },
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
