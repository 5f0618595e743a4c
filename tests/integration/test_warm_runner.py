"""Warm starts for real: ``podclip serve``'s runner forks each flow run from a forkserver that
has already imported Prefect and the flows (deployments/warm.py), on Prefect's test harness.

A run started that way reaches its flow code in a process of its own; a run whose process dies
is marked Crashed while the runner lives on and starts the next run warm. With warm starts off,
the same run starts cold (the observation that tells the two paths apart can fail).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

from podclip.deployments.warm import WarmRunner

pytestmark = [
    pytest.mark.slow,
    # Stopping the runner can cancel one of Prefect's API polls mid-connect; anyio leaves that
    # socket to the garbage collector, which may reach it only at this test's teardown, after
    # the runner's own collection below. It is Prefect's socket to a server this test started.
    pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
RUN_SECONDS = 180  # bound on one run's start and end; nothing is asserted about speed


@flow(name="warm-record")
def record_process(path: str) -> None:
    """Write down which process ran this flow and what it had imported before the flow ran."""
    Path(path).write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "ppid": os.getppid(),
                # The engine imports only this test module; the forkserver preloaded the rest.
                "preloaded": "podclip.flows.episode" in sys.modules,
            }
        )
    )


@flow(name="warm-crash")
def crash_process() -> None:
    """Die as a segfault or the OOM killer would: no exception, no final state reported."""
    os.kill(os.getpid(), signal.SIGKILL)


class RunningRunner:
    """A :class:`WarmRunner` serving the two test flows on its own event loop thread."""

    def __init__(self, warm: bool) -> None:
        self.runner = WarmRunner(query_seconds=1, limit=4, pause_on_shutdown=False, warm=warm)
        self.runner.add_deployment(record_process.to_deployment(name="warm-record"))
        self.runner.add_deployment(crash_process.to_deployment(name="warm-crash"))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self.runner.start(),), daemon=True
        )

    def __enter__(self) -> RunningRunner:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.runner.started:
            asyncio.run_coroutine_threadsafe(self.runner.astop(), self.loop).result(60)
        self.thread.join(60)
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()
        # A poll of the API that the stop cancelled mid-connect leaves its socket to the garbage
        # collector (anyio's connect_tcp); collect it here rather than in the next test.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "unclosed", ResourceWarning)
            gc.collect()


@pytest.fixture
def warm_runner(prefect_results: Path) -> Iterator[RunningRunner]:
    with RunningRunner(warm=True) as running:
        yield running


def _run(deployment: str, **parameters: Any) -> UUID:
    run = run_deployment(deployment, parameters=parameters, timeout=0, as_subflow=False)
    return run.id  # type: ignore[union-attr]


def _final_state(flow_run_id: UUID) -> str:
    deadline = time.monotonic() + RUN_SECONDS
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(flow_run_id).state
            if state is not None and state.is_final():
                return state.type.value
            time.sleep(0.5)
    raise AssertionError(f"flow run {flow_run_id} did not finish in {RUN_SECONDS} s")


def test_a_crashed_warm_run_spares_the_runner_and_the_next_run_starts(
    warm_runner: RunningRunner, tmp_path: Path
) -> None:
    crashed = _run("warm-crash/warm-crash")
    assert _final_state(crashed) == "CRASHED"

    record = tmp_path / "process.json"
    assert _final_state(_run("warm-record/warm-record", path=str(record))) == "COMPLETED"
    seen = json.loads(record.read_text())
    # Its own process, forked by the forkserver (not a child of this runner's process), with
    # the flows already imported: the warm path, taken for both runs.
    assert seen["pid"] != os.getpid() and seen["ppid"] != os.getpid()
    assert seen["preloaded"] is True
    assert warm_runner.runner.warm_starts == 2
    assert warm_runner.thread.is_alive() and warm_runner.runner.started


def test_with_warm_starts_off_a_run_starts_cold(prefect_results: Path, tmp_path: Path) -> None:
    record = tmp_path / "process.json"
    with RunningRunner(warm=False) as running:
        assert _final_state(_run("warm-record/warm-record", path=str(record))) == "COMPLETED"
        assert running.runner.warm_starts == 0
    seen = json.loads(record.read_text())
    # Prefect's own start: `python -m prefect.engine`, a child of the runner's process.
    assert seen["ppid"] == os.getpid()
    assert seen["preloaded"] is False
