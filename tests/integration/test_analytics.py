"""Analytics on a lake filled by real pipeline runs: the views, `podclip sql`, `podclip report`.

One module fixture runs the bundled sample twice through the real flow (two episodes of one
show with the same guest, a month apart; the second run is served from the task caches), so
every README example query has rows to return.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from podclip.core.settings import Settings, get_settings
from podclip.store.analytics import EXAMPLE_QUERIES
from podclip.store.query import run_sql
from tests.support.prefect_api import with_session_api

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
PODCLIP = str(Path(sys.executable).with_name("podclip"))
CHROMIUM = Path("/usr/bin/chromium")
SHOW, GUEST = "The Long Game", "Daniel Okafor"
EPISODES = (
    ("Episode one", "2024-03-05T10:00:00+00:00"),
    ("Episode two", "2024-04-09T22:30:00-04:00"),
)

# Runs in a fresh process (on the session's Prefect API), like tests/support/run_job.py, but with
# the job fields a feed or an API client would give.
RUN_JOBS = """
import json, sys
from podclip.core.runtime import prepare_environment
from podclip.core.settings import get_settings
settings = get_settings()
prepare_environment(settings)
from podclip.cli.common import migrate_stores
from podclip.flows.episode import process_episode
from podclip.store import ops
migrate_stores(settings)  # an engine never migrates; the stack's start does
engine = ops.engine_for(settings.resolved_database_url)
out = []
for title, published in json.loads(sys.argv[2]):
    job = ops.create_job(
        engine, source_type="file", source_url=sys.argv[1], show_name=sys.argv[3],
        guest_name=sys.argv[4], title=title,
        # One platform (one file per clip): these tests read the lake, not the renders.
        options={"published_at": published, "platforms": ["tiktok"]},
    )
    process_episode(job.id)
    out.append({"job_id": job.id, "status": ops.get_job(engine, job.id).status})
print(json.dumps(out))
"""


@dataclass(frozen=True)
class RealLake:
    root: Path
    job_ids: list[str]

    @property
    def settings(self) -> Settings:
        return Settings(data_root=self.root)

    def env(self) -> dict[str, str]:
        return {**os.environ, "PODCLIP_DATA_ROOT": str(self.root)}


@pytest.fixture(scope="module")
def real_lake(
    tmp_path_factory: pytest.TempPathFactory, sample_episode: Path, prefect_harness: None
) -> Iterator[RealLake]:
    root = tmp_path_factory.mktemp("analytics") / "podclip-data"
    lake = RealLake(root, [])
    out = subprocess.run(
        [sys.executable, "-c", RUN_JOBS, str(sample_episode), json.dumps(EPISODES), SHOW, GUEST],
        cwd=REPO,
        env=with_session_api(lake.env()),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    jobs = json.loads(out.stdout.strip().splitlines()[-1])
    assert [j["status"] for j in jobs] == ["complete", "complete"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PODCLIP_DATA_ROOT", str(root))
        get_settings.cache_clear()
        yield RealLake(root, [j["job_id"] for j in jobs])
    get_settings.cache_clear()


def _rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    columns, rows = run_sql(settings, sql)
    return [dict(zip(columns, r, strict=True)) for r in rows]


def _cli(lake: RealLake, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PODCLIP, *args], capture_output=True, text=True, timeout=180, env=lake.env(), check=False
    )


def test_views_agree_with_the_clips_table(real_lake: RealLake) -> None:
    settings = real_lake.settings
    clips = _rows(settings, "SELECT * FROM clips ORDER BY job_id, rank")
    views = _rows(settings, "SELECT * FROM clip_scores ORDER BY job_id, rank")
    assert len(views) == len(clips) >= 8
    for clip, view in zip(clips, views, strict=True):
        for key in (
            "job_id", "clip_id", "moment_type", "category", "shareability_score",
            "duration_seconds", "rank", "scoring_model_version", "transcription_model_id",
        ):  # fmt: skip
            assert view[key] == clip[key], key
        assert (view["show_name"], view["guest_name"]) == (SHOW, GUEST)
    dates = {v["job_id"]: (v["episode_date"], v["episode_title"]) for v in views}
    # The feed's date, in UTC: 22:30 at -04:00 on 9 April is 10 April.
    assert dates == {
        real_lake.job_ids[0]: (date(2024, 3, 5), "Episode one"),
        real_lake.job_ids[1]: (date(2024, 4, 10), "Episode two"),
    }

    summary = {r["job_id"]: r for r in _rows(settings, "SELECT * FROM episode_summary")}
    assert set(summary) == set(real_lake.job_ids)
    for job_id, row in summary.items():
        mine = [c for c in clips if c["job_id"] == job_id]
        best = max(mine, key=lambda c: c["shareability_score"])
        assert row["clip_count"] == len(mine)
        assert row["max_score"] == best["shareability_score"]
        assert row["top_moment_type"] == best["moment_type"]
        assert row["best_clip_id"] == best["clip_id"]
        assert row["mean_score"] == pytest.approx(
            sum(c["shareability_score"] for c in mine) / len(mine)
        )
        assert row["total_clip_seconds"] == pytest.approx(sum(c["duration_seconds"] for c in mine))
        assert row["episode_duration_seconds"] == pytest.approx(263.4, abs=1.0)
        assert 0 < row["clip_coverage"] < 1
        assert (row["language"], row["source_type"]) == ("en", "file")


def test_example_queries_run_as_written(real_lake: RealLake) -> None:
    settings = real_lake.settings
    clips = _rows(settings, "SELECT * FROM clips")
    results = {q.name: _rows(settings, q.sql) for q in EXAMPLE_QUERIES}
    assert len(results) == 5

    by_type = results["scores_by_moment_type"]
    assert sum(r["clips"] for r in by_type) == len(clips)
    assert [r["mean_score"] for r in by_type] == sorted(
        (r["mean_score"] for r in by_type), reverse=True
    )

    best = results["best_clips_per_show"]
    top3 = sorted(clips, key=lambda c: c["shareability_score"], reverse=True)[:3]
    assert [r["shareability_score"] for r in best] == [c["shareability_score"] for c in top3]
    assert {r["show_name"] for r in best} == {SHOW}

    months = results["monthly_trend"]
    assert [(m["month"], m["clips"]) for m in months] == [
        (date(2024, 3, 1), len(clips) // 2),
        (date(2024, 4, 1), len(clips) // 2),
    ]

    guests = results["top_guests"]
    assert [(g["guest_name"], g["episodes"]) for g in guests] == [(GUEST, 2)]

    latest = results["latest_episodes_of_show"]
    assert [r["episode_title"] for r in latest] == ["Episode two", "Episode one"]
    assert all(r["best_clip_id"] in {c["clip_id"] for c in clips} for r in latest)


def test_sql_command_prints_csv_json_and_a_table(real_lake: RealLake) -> None:
    query = "SELECT clip_id, show_name, episode_date, shareability_score FROM clip_scores"
    ordered = f"{query} ORDER BY clip_id"
    expected = _rows(real_lake.settings, ordered)

    as_csv = _cli(real_lake, "sql", ordered, "--csv")
    assert as_csv.returncode == 0, as_csv.stderr
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["clip_id"] for r in parsed] == [e["clip_id"] for e in expected]
    assert [float(r["shareability_score"]) for r in parsed] == [
        e["shareability_score"] for e in expected
    ]
    assert {r["episode_date"] for r in parsed} == {"2024-03-05", "2024-04-10"}

    as_json = _cli(real_lake, "sql", ordered, "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == [
        {**e, "episode_date": e["episode_date"].isoformat()} for e in expected
    ]

    table = _cli(real_lake, "sql", "SELECT count(*) AS n_clips FROM clip_scores")
    assert table.returncode == 0 and "n_clips" in table.stdout
    assert str(len(expected)) in table.stdout

    both = _cli(real_lake, "sql", query, "--csv", "--json")
    assert both.returncode == 1 and "one of --json and --csv" in both.stderr


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium package is not installed")
def test_report_renders_in_headless_chromium(real_lake: RealLake, tmp_path: Path) -> None:
    page = tmp_path / "out" / "report.html"
    made = _cli(real_lake, "report", "-o", str(page))
    assert made.returncode == 0, made.stderr
    html = page.read_text()
    assert "<script" not in html and " src=" not in html and "<link" not in html  # offline
    flags = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--hide-scrollbars",
    ]  # fmt: skip
    shot = tmp_path / "report.png"
    profile = tmp_path / "profile"
    try:
        subprocess.run(
            [*flags, f"--user-data-dir={profile}", f"--screenshot={shot}",
             "--window-size=1280,2000", page.as_uri()],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
        dom = subprocess.run(
            [*flags, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)

    clips = _rows(real_lake.settings, "SELECT DISTINCT moment_type FROM clips")
    assert dom.count('<svg class="chart"') == 3
    assert dom.count('<g class="box">') == len(clips)  # one box per moment type
    assert dom.count('<g class="bar">') == 3  # one show, its three best clips
    assert dom.count('class="episode"') == 2  # two episodes over time
    assert SHOW in dom and "2024-04-10" in dom

    image = np.asarray(Image.open(shot).convert("RGB"))
    assert image.shape[:2] == (2000, 1280)
    dark = int((image.max(axis=2) < 120).sum())  # text and marks
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    assert dark > 5000 and colours > 50, (dark, colours)
    # The first moment type's box (palette blue, #4269d0) is drawn.
    blue = (abs(image[..., 0].astype(int) - 0x42) < 40) & (
        abs(image[..., 2].astype(int) - 0xD0) < 40
    )
    assert int(blue.sum()) > 200
