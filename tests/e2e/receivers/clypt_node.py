"""Run ``clypt_receiver.mjs`` (003's verification snippet, verbatim) under the system ``node``."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

SCRIPT = Path(__file__).with_name("clypt_receiver.mjs")
START_SECONDS = 20.0


@dataclass
class ClyptReceiver:
    """The running Node receiver: its URL and its verdicts (one dict per delivery)."""

    port: int
    verdicts: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str = "/clypt") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set_secret(self, secret: str) -> None:
        httpx.post(self.url("/__secret"), content=secret.encode(), timeout=10).raise_for_status()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.verdicts) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the Node receiver judged {len(self.verdicts)} of {count}")
            time.sleep(0.02)
        return list(self.verdicts)


@contextmanager
def run_clypt_receiver() -> Iterator[ClyptReceiver]:
    """Start the receiver for the block; skip when no ``node`` is installed (CI installs it)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (.ci/run installs Debian's nodejs)")
    proc = subprocess.Popen(
        [node, str(SCRIPT)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        try:
            port = int(json.loads(first)["port"])
        except (ValueError, KeyError) as exc:
            raise RuntimeError(f"the Node receiver did not start: {first!r}") from exc
        receiver = ClyptReceiver(port)
        stdout = proc.stdout

        def read() -> None:
            for line in stdout:
                receiver.verdicts.append(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        yield receiver
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
