"""The installed ``podclip`` console script against a real lake and jobs table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from podclip.core.settings import get_settings
from tests.support.seed import seed_published_job

PODCLIP = str(Path(sys.executable).with_name("podclip"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PODCLIP, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )


def test_sql_reads_lake_and_jobs_by_plain_names(data_root: Path) -> None:
    job_id = seed_published_job(get_settings())
    out = _cli(
        "sql", "SELECT c.clip_id, j.status FROM clips c JOIN jobs j ON j.id = c.job_id", "--json"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"clip_id": "clip_seed", "status": "complete"}]
    table = _cli("sql", "SELECT count(*) AS n FROM transcript_segments")
    assert table.returncode == 0 and "n" in table.stdout and "1" in table.stdout
    clips = _cli("clips", job_id, "--json")
    assert clips.returncode == 0, clips.stderr
    assert json.loads(clips.stdout)["clips"][0]["clip_id"] == "clip_seed"


def test_bad_sql_and_unknown_job_exit_non_zero(data_root: Path) -> None:
    bad = _cli("sql", "SELEC nonsense")
    assert bad.returncode == 1 and "SQL error" in bad.stderr
    missing = _cli("clips", "job_nope")
    assert missing.returncode == 1 and "No job" in missing.stderr


def test_run_missing_file_is_a_clear_error(data_root: Path, tmp_path: Path) -> None:
    out = _cli("run", str(tmp_path / "nope.mp3"))
    assert out.returncode == 1
    assert "No such file" in out.stderr


def test_run_unknown_platform_is_a_clear_error_and_creates_no_job(
    data_root: Path, sample_episode: Path
) -> None:
    out = _cli("run", str(sample_episode), "--platform", "tiktok", "--platform", "myspace")
    assert out.returncode == 1
    assert "Unknown platform 'myspace'" in out.stderr and "tiktok" in out.stderr
    listed = _cli("sql", "SELECT count(*) AS n FROM jobs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [{"n": 0}]
