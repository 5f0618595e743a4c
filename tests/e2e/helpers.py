"""Run the real API for e2e tests: ``uvicorn api.main:app --workers 2`` on 127.0.0.1.

Each server gets its own data root; keys are made with the real CLI (``podclip keys create``),
whose last output line is the key.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
PODCLIP = Path(sys.executable).with_name("podclip")
STARTUP_SECONDS = 45.0
WORKERS = 2

# Generous limits for servers whose tests are not about rate limits.
RELAXED = {
    "PODCLIP_API__RATE_LIMIT_WRITES": "100000",
    "PODCLIP_API__RATE_LIMIT_READS": "100000",
    "PODCLIP_API__KLIPIT_RATE_LIMIT_SUBMISSIONS": "100000",
    "PODCLIP_API__KLIPIT_RATE_LIMIT_STATUS_POLLS": "100000",
    "PODCLIP_API__KLIPIT_RATE_LIMIT_CLIP_READS": "100000",
    "PODCLIP_API__KLIPIT_RATE_LIMIT_WRITES": "100000",
    "PODCLIP_API__SANDBOX_STEP_SECONDS": "0.5",
    "PODCLIP_API__MAX_UPLOAD_BYTES": str(4 * 1024**2),
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ApiServer:
    """A running API: its base URL, data root and the environment it was started with."""

    base_url: str
    data_root: Path
    env: dict[str, str]
    log: Path
    keys: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> str:
        """Run ``podclip ARGS`` against this server's data root; return stdout."""
        result = subprocess.run(
            [str(PODCLIP), *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout

    def create_key(self, env: str = "test", *scopes: str, name: str | None = None) -> str:
        """A new key from ``podclip keys create`` (the key is the output's last line)."""
        args = ["keys", "create", "--env", env]
        for scope in scopes:
            args += ["--scopes", scope]
        if name:
            args += ["--name", name]
        return self.cli(*args).strip().splitlines()[-1]

    def key(self, env: str = "test") -> str:
        """One shared all-scope key per environment."""
        if env not in self.keys:
            self.keys[env] = self.create_key(env, name=f"shared-{env}")
        return self.keys[env]

    def headers(self, env: str = "test", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key(env)}", **extra}

    def db(self) -> Any:
        """A DB-API connection on the server's operational database (``?`` parameters, rows by
        position or name; ``with`` commits): SQLite, or PostgreSQL when the server uses it."""
        url = self.env.get("PODCLIP_DATABASE_URL")
        if url and url.startswith("postgresql"):
            from tests.support.postgres import dbapi_connect

            return dbapi_connect(url)
        conn = sqlite3.connect(self.data_root / "podclip.db", timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def _ready(log: Path) -> bool:
    text = log.read_text(errors="replace") if log.exists() else ""
    return text.count("Application startup complete") >= WORKERS


@contextmanager
def run_api_server(data_root: Path, **overrides: str) -> Iterator[ApiServer]:
    """Start the API with ``overrides`` as environment variables; stop it afterwards."""
    data_root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PODCLIP_DATA_ROOT": str(data_root),
        "PODCLIP_ALLOW_PRIVATE_URLS": "1",
        # No public URL: links follow each request's Host; outside a request (webhook bodies)
        # they name the served address, as `podclip api --port` arranges.
        "PODCLIP_API__HOST": "127.0.0.1",
        "PODCLIP_API__PORT": str(port),
        **overrides,
    }
    log = data_root / f"uvicorn-{port}.log"
    command = [
        sys.executable, "-m", "uvicorn", "podclip.api.main:app",
        "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(WORKERS), "--log-level", "info", "--no-access-log",
        # As `podclip api`: forwarded headers are judged by settings.api.trusted_proxies.
        "--no-proxy-headers",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"API exited with {proc.returncode}:\n{log.read_text()}")
            if _ready(log):
                try:
                    if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"API not ready in {STARTUP_SECONDS} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield ApiServer(base_url=base_url, data_root=data_root, env=env, log=log)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def poll_job(
    http: httpx.Client, job_id: str, headers: dict[str, str], *, timeout: float, prefix: str = "/v1"
) -> dict[str, object]:
    """GET the job until it is terminal (bounded); return the last envelope."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.get(f"{prefix}/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, object] = response.json()
        if job["status"] in ("complete", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
        time.sleep(0.25)
