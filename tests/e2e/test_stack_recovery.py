"""The long-running stack for real: a Prefect server process and `podclip serve` on loopback.

Covers what only the real stack can show: a SIGKILLed serving process loses nothing (the job
completes after restart with no duplicate rows, and the killed run's lock does not block it
for more than a lease), an operator's `prefect flow-run retry` of a failed run finishes the
job without recomputing finished stages, and an idle stack creates no flow runs at all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.network]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One Prefect server for the module, as an operator's stack keeps one across restarts.

    Each test has its own data root (jobs, locks) and stops its serve processes before the
    next test starts, and every run a test starts is final when it ends.
    """
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(lambda: _healthy(f"http://127.0.0.1:{port}/api/health"), 120, "prefect server")
        yield {"PREFECT_HOME": str(home), "PREFECT_API_URL": env["PREFECT_API_URL"]}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class Stack:
    """`podclip serve` processes sharing one data root and one Prefect server."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, **overrides: str) -> None:
        # The child keeps its own copy of the log's descriptor; ours closes at once.
        with (self.logs / f"serve-{time.monotonic_ns()}.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "podclip"), "serve"],
                env={**self.env, **overrides},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)  # the serve process and its flow-run children
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture
def stack(
    prefect_server: dict[str, str],
    data_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Stack]:
    for key, value in prefect_server.items():
        monkeypatch.setenv(key, value)
    env = {
        **os.environ,
        # The sweep that finds the killed run looks every 2 s instead of every minute.
        "PODCLIP_QUEUE__SWEEP_INTERVAL_SECONDS": "2",
        "PODCLIP_QUEUE__STALE_AFTER_SECONDS": "20",
        "PODCLIP_QUEUE__START_GRACE_SECONDS": "180",
        "PODCLIP_QUEUE__LOCK_LEASE_SECONDS": "15",
        "PODCLIP_SCORING__CLIP_COUNT": "4",
    }
    running = Stack(env, tmp_path)
    yield running
    running.stop()


def _job(job_id: str) -> Any:
    from podclip.core.settings import get_settings
    from podclip.store import ops

    return ops.get_job(ops.engine_for(get_settings().resolved_database_url), job_id)


def _submit(source: Path) -> str:
    from podclip.core.settings import get_settings
    from podclip.store import ops

    engine = ops.engine_for(get_settings().resolved_database_url)
    # One platform, one preset: these tests are about recovery, not about presets.
    return ops.create_job(
        engine,
        source_type="file",
        source_url=str(source),
        show_name="The Long Game",
        options={"platforms": ["tiktok"]},
    ).id


def _run_is_final(flow_run_id: str) -> bool:
    from prefect.client.orchestration import SyncPrefectClient

    # An explicit client: a session-wide Prefect test harness may own the default settings.
    with SyncPrefectClient(os.environ["PREFECT_API_URL"]) as client:
        state = client.read_flow_run(UUID(flow_run_id)).state
    return bool(state and state.is_final())


def _counts(job_id: str) -> dict[str, int]:
    from podclip.core.settings import get_settings
    from podclip.store.clips import row_counts

    return row_counts(get_settings(), job_id)


def test_killed_serve_process_loses_nothing(stack: Stack, sample_episode: Path) -> None:
    from podclip.core.settings import get_settings
    from podclip.store import ops

    stack.start()
    job_id = _submit(sample_episode)
    _wait(lambda: _job(job_id).status == "transcribing", 180, "transcription to start")
    stack.kill()
    stack.start()
    _wait(lambda: _job(job_id).status == "complete", 420, "the job to complete after restart")
    job = _job(job_id)
    assert job.clip_count == 4
    counts = _counts(job_id)
    assert counts["clips"] == 4
    # One render per (clip, preset): the restart duplicated nothing.
    from podclip.store.clips import clips_for_job

    renders = [
        (c["clip_id"], r["preset"])
        for c in clips_for_job(get_settings(), job_id)
        for r in c["renders"]
    ]
    assert counts["renders"] == len(renders) == len(set(renders)) >= 4
    engine = ops.engine_for(get_settings().resolved_database_url)
    assert len(ops.list_jobs(engine, limit=100)) == 1
    events = [e["status"] for e in ops.job_events_for(engine, job_id)]
    assert events.count("complete") == 1 and "failed" not in events
    assert any(
        e["message"] and "requeued" in e["message"] for e in ops.job_events_for(engine, job_id)
    )
    # The killed run's transcription lock was taken over, and the finished run released it.
    from sqlalchemy import func, select

    from podclip.store.schema import stage_locks

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(stage_locks)).scalar_one() == 0


def test_operator_retry_finishes_a_failed_job_from_cache(
    stack: Stack, sample_episode: Path
) -> None:
    from tests.support.task_states import task_states

    stack.start(PODCLIP_RENDER__X264_PRESET="no-such-preset")
    job_id = _submit(sample_episode)
    _wait(lambda: _job(job_id).status == "failed", 300, "the broken render to fail the job")
    failed = _job(job_id)
    assert failed.error_code == "render_failed"
    _wait(lambda: _run_is_final(str(failed.flow_run_id)), 120, "the failed run to finish")
    stack.stop()
    stack.start()
    retry = subprocess.run(
        [str(BIN / "prefect"), "flow-run", "retry", str(failed.flow_run_id)],
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert retry.returncode == 0, retry.stdout + retry.stderr
    _wait(lambda: _job(job_id).status == "complete", 300, "the retried run to complete")
    states = task_states(str(failed.flow_run_id), os.environ["PREFECT_API_URL"])
    for name in ("download_media", "extract_audio", "transcribe_audio", "score_moments"):
        assert "Cached" in states[name], (name, states)
    assert _counts(job_id)["clips"] == 4


def _flow_run_count() -> int:
    response = httpx.post(f"{os.environ['PREFECT_API_URL']}/flow_runs/count", json={}, timeout=30)
    response.raise_for_status()
    return int(response.json())


def _deployments_registered_since(moment: datetime) -> bool:
    """Whether `podclip serve` has (re)registered its deployments after ``moment``."""
    url = f"{os.environ['PREFECT_API_URL']}/deployments/filter"
    response = httpx.post(url, json={}, timeout=30)
    if response.status_code != 200:
        return False
    updated = [datetime.fromisoformat(d["updated"]) for d in response.json()]
    return len(updated) >= 2 and all(u > moment for u in updated)


IDLE_SECONDS = 30


def test_an_idle_stack_creates_no_flow_runs(stack: Stack, tmp_path: Path) -> None:
    started = datetime.now(UTC)
    stack.start()
    _wait(lambda: _deployments_registered_since(started), 120, "podclip serve's deployments")
    before = _flow_run_count()  # the module's server may hold earlier tests' runs
    time.sleep(IDLE_SECONDS)  # bounded idle window; nothing is asserted about speed
    assert _flow_run_count() == before
    # The same stack does start a run as soon as there is a job: one, for that job.
    job_id = _submit(tmp_path / "missing.mp3")
    _wait(lambda: _job(job_id).status == "failed", 120, "the job's run to start and fail")
    assert _job(job_id).flow_run_id is not None
    assert _flow_run_count() == before + 1
