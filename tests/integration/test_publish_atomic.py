"""A publish killed half-way leaves the lake exactly as it was; a rerun publishes once; two
processes publishing at once both land every job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from podclip.core.settings import get_settings
from podclip.store.clips import publish, row_counts
from tests.support.seed import make_batch, seed_published_job

REPO = Path(__file__).resolve().parents[2]


def test_killed_publish_leaves_lake_unchanged(data_root: Path) -> None:
    settings = get_settings()
    seed_published_job(settings)
    before = row_counts(settings)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.killed_publish", "job_killed"],
        cwd=REPO,
        env={**os.environ},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    assert row_counts(settings) == before
    assert set(row_counts(settings, "job_killed").values()) == {0}
    # Nothing the killed writer held blocks the next one, and publishing twice is idempotent.
    publish(settings, make_batch("job_killed"))
    publish(settings, make_batch("job_killed"))
    assert row_counts(settings, "job_killed") == {
        "transcript_segments": 1,
        "clips": 1,
        "renders": 1,
        "episode_outputs": 1,
        "clip_files": 1,
        "episodes": 1,
    }


def test_two_processes_publishing_at_once_lose_no_commit(data_root: Path) -> None:
    # Two workers finishing jobs together: on the SQLite catalog, before writers queued on the
    # catalog's write lock, about a third of these commits failed with "database is locked".
    settings = get_settings()
    seed_published_job(settings)  # the lake exists, so both writers start publishing at once
    count = 12
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.publish_many", prefix, str(count)],
            cwd=REPO,
            env={**os.environ},
            stderr=subprocess.PIPE,
        )
        for prefix in ("worker_a", "worker_b")
    ]
    try:
        for proc in procs:
            _, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err.decode()[-1500:]
    finally:
        for proc in procs:
            proc.kill()
            proc.communicate()
    for prefix in ("worker_a", "worker_b"):
        for i in range(count):
            assert set(row_counts(settings, f"{prefix}_{i}").values()) == {1}, f"{prefix}_{i}"
