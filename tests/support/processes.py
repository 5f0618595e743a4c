"""Stopping the process groups a test or benchmark started (servers, workers)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence


def stop_groups(procs: Sequence[subprocess.Popen[bytes]], grace_seconds: float = 20) -> None:
    """SIGTERM each still-running group (last started first), then SIGKILL what outlives grace."""
    for proc in reversed(procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in reversed(procs):
        try:
            proc.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
