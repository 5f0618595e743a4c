"""Many machines, on one: a Prefect server on PostgreSQL, a `podclip dispatcher` and two
`podclip worker` processes on one process work pool. Five queued jobs (more than the four run
slots of the two workers) are each processed exactly once, and the global limit on transcription
holds across both workers (the most transcriptions seen at once is recorded).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import imageio_ffmpeg
import pytest
from sqlalchemy.engine import make_url

from podclip.store import ops
from tests.e2e.helpers import free_port
from tests.support import postgres
from tests.support.processes import stop_groups

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
JOBS = 5  # more than the 2 x 2 run slots, so the pool queues and both workers take runs
TRANSCRIPTION_LIMIT = 1
# Short jobs: 20 s slices of the sample, one small clip each.
SHORT_JOBS = {
    "PODCLIP_SCORING__MIN_WINDOW_SECONDS": "5",
    "PODCLIP_SCORING__TARGET_MIN_SECONDS": "5",
    "PODCLIP_SCORING__TARGET_MAX_SECONDS": "15",
    "PODCLIP_SCORING__MAX_WINDOW_SECONDS": "18",
    "PODCLIP_SCORING__CLIP_COUNT": "1",
    "PODCLIP_SCORING__MIN_CLIPS": "1",
    "PODCLIP_SCORING__MAX_CLIPS": "1",
    "PODCLIP_QUEUE__TRANSCRIPTION_CONCURRENCY": str(TRANSCRIPTION_LIMIT),
}


def _wait(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1.0)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class Processes:
    """Background processes in their own sessions, all stopped (group and all) at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            self.procs.append(
                subprocess.Popen(
                    command,
                    env=env,
                    cwd=REPO,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return log

    def stop(self) -> None:
        stop_groups(self.procs)


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    """A fresh database for podclip and one for Prefect's server."""
    reason = None if postgres.required() else postgres.unavailable_reason()
    if reason:
        pytest.skip(reason)
    ops_url = postgres.create_database("ops")
    prefect_url = postgres.create_database("prefect")
    try:
        yield ops_url, prefect_url
    finally:
        postgres.drop_database(ops_url)
        postgres.drop_database(prefect_url)


def _slices(folder: Path, sample: Path) -> list[Path]:
    """Different 20 s slices of the sample (different content: nothing is shared by cache)."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    paths = []
    for i in range(JOBS):
        path = folder / f"slice{i}.mp3"
        subprocess.run(
            [ffmpeg, "-v", "error", "-y", "-ss", str(i * 25), "-t", "20", "-i", str(sample),
             "-c:a", "libmp3lame", "-b:a", "64k", str(path)],
            check=True, timeout=60,
        )  # fmt: skip
        paths.append(path)
    return paths


def _filter(api: str, what: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = httpx.post(f"{api}/{what}/filter", json=body, timeout=30)
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()
    return result


def _max_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    """The most intervals open at one instant (an end and a start at the same time: no overlap)."""
    edges = sorted(itertools.chain(((s, 1) for s, _ in intervals), ((e, -1) for _, e in intervals)))
    open_now = most = 0
    for _, step in edges:
        open_now += step
        most = max(most, open_now)
    return most


def test_two_workers_process_each_job_once_within_the_transcription_limit(
    pg_databases: tuple[str, str],
    tmp_path: Path,
    sample_episode: Path,
    record_property: Callable[[str, object], None],
) -> None:
    ops_url, prefect_url = pg_databases
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    prefect_db = make_url(prefect_url).set(drivername="postgresql+asyncpg")
    env = {
        **os.environ,
        **SHORT_JOBS,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db.render_as_string(hide_password=False),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PODCLIP_DATA_ROOT": str(tmp_path / "data"),
        "PODCLIP_DATABASE_URL": ops_url,
        "PODCLIP_ALLOW_PRIVATE_URLS": "1",
        "PODCLIP_CODE_DIR": str(REPO),
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = Processes(logs)
    try:
        server_log = procs.start(
            "server",
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env,
        )
        _wait(lambda: _healthy(f"{api}/health"), 180, f"prefect server ({server_log})")

        def cli(*args: str) -> str:
            done = subprocess.run(
                list(args), env=env, cwd=REPO, capture_output=True, text=True, timeout=180
            )
            assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
            return done.stdout

        # Opening the database never migrates it: a deployment runs `podclip migrate` once.
        cli(str(BIN / "podclip"), "migrate")
        cli(str(BIN / "prefect"), "work-pool", "create", "podclip", "--type", "process")
        cli(str(BIN / "prefect"), "--no-prompt", "deploy", "--prefect-file",
            "deployments/prefect.yaml", "--name", "process-episode")  # fmt: skip
        workers = [
            procs.start(name, [str(BIN / "podclip"), "worker", "--limit", "2", "--name", name], env)
            for name in ("worker-a", "worker-b")
        ]

        engine = ops.engine_for(ops_url)
        job_ids = [
            # One platform, one file per clip: this test is about workers, not presets.
            ops.create_job(
                engine, source_type="file", source_url=str(path), options={"platforms": ["tiktok"]}
            ).id
            for path in _slices(tmp_path, sample_episode)
        ]
        # One long-lived dispatcher starts a run per job; the workers take them from the pool.
        procs.start("dispatcher", [str(BIN / "podclip"), "dispatcher"], env)

        def finished() -> bool:
            return all(ops.get_job(engine, j).is_terminal for j in job_ids)

        _wait(finished, 540, f"{JOBS} jobs to finish on two workers")

        for job_id in job_ids:
            job = ops.get_job(engine, job_id)
            assert job.status == "complete", (job_id, job.error_code, job.error_message)
            runs = _filter(api, "flow_runs", {"flow_runs": {"tags": {"all_": [f"job:{job_id}"]}}})
            assert len(runs) == 1, f"{job_id} ran {len(runs)} times"
            assert runs[0]["state_type"] == "COMPLETED"
            statuses = [e["status"] for e in ops.job_events_for(engine, job_id)]
            assert statuses == [
                "queued", "downloading", "transcribing", "clipping", "rendering", "complete"
            ], statuses  # fmt: skip

        transcriptions = _filter(
            api, "task_runs", {"task_runs": {"name": {"like_": "transcribe_audio"}}}
        )
        intervals = [
            (datetime.fromisoformat(t["start_time"]), datetime.fromisoformat(t["end_time"]))
            for t in transcriptions
            if t["start_time"] and t["end_time"]
        ]
        assert len(intervals) == JOBS
        most = _max_overlap(intervals)
        record_property("max_concurrent_transcriptions", most)
        print(f"max concurrent transcriptions: {most} (limit {TRANSCRIPTION_LIMIT})")
        assert 1 <= most <= TRANSCRIPTION_LIMIT
        # Both workers took flow runs: the pool really was shared.
        for log in workers:
            assert "flow run" in log.read_text(errors="replace").lower(), log.read_text()[-3000:]
    finally:
        procs.stop()
