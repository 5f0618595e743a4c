"""Lease locks across processes: one holder at a time, and a dead holder's lease runs out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from podclip.core.settings import get_settings
from podclip.store import locks, ops

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("database_url")]

HOLD_AND_DIE = """
import os, signal, sys
from podclip.core.settings import get_settings
from podclip.store import locks, ops
engine = ops.engine_for(get_settings().resolved_database_url)
assert locks.try_acquire(engine, "k", "dying-process", float(sys.argv[1]))
print("held", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_one_holder_at_a_time(data_root: Path) -> None:
    engine = ops.engine_for(get_settings().resolved_database_url)
    inside = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with locks.held(engine, "stage", lease_seconds=5, poll_seconds=0.05):
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.1)
            with guard:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert most == 1


def test_killed_holder_blocks_only_until_its_lease_ends(data_root: Path) -> None:
    engine = ops.engine_for(get_settings().resolved_database_url)
    proc = subprocess.run(
        [sys.executable, "-c", HOLD_AND_DIE, "2"],
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL and "held" in proc.stdout
    assert not locks.try_acquire(engine, "k", "me", 2)
    started = time.monotonic()
    with locks.held(engine, "k", lease_seconds=2, poll_seconds=0.1):
        waited = time.monotonic() - started
    assert waited < 3.0
