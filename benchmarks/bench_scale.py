"""Benchmark: podclip on PostgreSQL with two workers, against the single-machine SQLite ceiling.

(a) Sustained job submissions per second through the real API (``uvicorn api.main:app
    --workers 2``, ``POST /v1/jobs`` with a live key, closed-loop clients) at rising numbers of
    concurrent clients, PostgreSQL and SQLite interleaved, until SQLite first answers
    ``database is locked`` (or up to the last level): the single-machine ceiling.
(b) The scheduling lag from ``queued`` to ``transcribing`` (p50, p95) with a Prefect server on
    PostgreSQL, two ``podclip worker`` processes on one process work pool and the drainer.

Needs a PostgreSQL server: ``scripts/postgres.sh up`` (``make pg-up``), or ``--pg-dsn``.
Writes ``benchmarks/results.json`` key ``scale`` (other keys are kept). Not a test: nothing
here asserts a time.

Usage: python benchmarks/bench_scale.py [--seconds 20] [--lag-jobs 6] [--levels 4,16,64]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.helpers import RELAXED, free_port, run_api_server  # noqa: E402
from tests.support import postgres  # noqa: E402
from tests.support.processes import stop_groups  # noqa: E402

RESULTS = REPO / "benchmarks" / "results.json"
BIN = Path(sys.executable).parent
DEFAULT_DSN = "postgresql+psycopg://podclip@127.0.0.1:55432/podclip"
LOCKED = "database is locked"
SHORT_JOBS = {
    "PODCLIP_SCORING__MIN_WINDOW_SECONDS": "5",
    "PODCLIP_SCORING__TARGET_MIN_SECONDS": "5",
    "PODCLIP_SCORING__TARGET_MAX_SECONDS": "15",
    "PODCLIP_SCORING__MAX_WINDOW_SECONDS": "18",
    "PODCLIP_SCORING__CLIP_COUNT": "1",
    "PODCLIP_SCORING__MIN_CLIPS": "1",
    "PODCLIP_SCORING__MAX_CLIPS": "1",
}


def submit_load(base_url: str, key: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads POST jobs back to back for ``seconds``; count what was accepted."""
    accepted = [0] * clients
    errors: list[str] = []
    first_locked: list[float] = []
    start = time.monotonic()
    stop_at = start + seconds

    def run(i: int) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base_url, timeout=60) as http:
            n = 0
            while time.monotonic() < stop_at:
                n += 1
                body = {"source_url": f"http://127.0.0.1:9/bench/{i}/{n}.mp3"}
                try:
                    response = http.post("/v1/jobs", json=body, headers=headers)
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if response.status_code in (200, 201, 202):
                    accepted[i] += 1
                else:
                    text = response.text[:300]
                    errors.append(f"{response.status_code}: {text}")
                    if LOCKED in text and not first_locked:
                        first_locked.append(time.monotonic() - start)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "accepted": sum(accepted),
        "accepted_per_second": round(sum(accepted) / elapsed, 1),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "locked_after_seconds": round(first_locked[0], 2) if first_locked else None,
    }


def _log_locked(server_log: Path) -> bool:
    return LOCKED in server_log.read_text(errors="replace")


def bench_submissions(env: dict[str, str], root: Path, clients: int, seconds: float) -> Any:
    with run_api_server(root, **RELAXED, **env) as server:
        key = server.create_key("live", name="bench")
        result = submit_load(server.base_url, key, clients, seconds)
        result["database_is_locked_in_server_log"] = _log_locked(server.log)
        return result


def submissions(tmp: Path, levels: list[int], seconds: float) -> dict[str, Any]:
    """At each level of concurrent submitters, PostgreSQL then SQLite (interleaved, so a shared
    machine's changing load hits both alike); stop at the level where SQLite first answers
    ``database is locked``."""
    pg_runs, sqlite_runs = [], []
    ceiling = None
    for clients in levels:
        pg_url = postgres.create_database("bench_submit")
        try:
            pg = bench_submissions(
                {"PODCLIP_DATABASE_URL": pg_url}, tmp / f"pg-{clients}", clients, seconds
            )
        finally:
            postgres.drop_database(pg_url)
        pg_runs.append(pg)
        lite = bench_submissions({}, tmp / f"sqlite-{clients}", clients, seconds)
        sqlite_runs.append(lite)
        print(f"  {clients:>3} clients: postgres {pg['accepted_per_second']} jobs/s "
              f"({pg['errors']} errors), sqlite {lite['accepted_per_second']} jobs/s "
              f"({lite['errors']} errors)", flush=True)  # fmt: skip
        if lite["locked_after_seconds"] is not None or lite["database_is_locked_in_server_log"]:
            ceiling = {"clients": clients, "accepted_per_second": lite["accepted_per_second"]}
            break
    return {
        "postgres": pg_runs,
        "sqlite": sqlite_runs,
        "sqlite_database_is_locked_first_at": ceiling,
        "sqlite_never_locked_up_to_clients": None if ceiling else levels[-1],
        "postgres_best_accepted_per_second": max(r["accepted_per_second"] for r in pg_runs),
        "sqlite_best_accepted_per_second": max(r["accepted_per_second"] for r in sqlite_runs),
    }


class Stack:
    """Prefect server on PostgreSQL, two `podclip worker`s, the API and a drain loop."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str]) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            self.procs.append(
                subprocess.Popen(command, env=self.env, cwd=REPO, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            )  # fmt: skip
        return log

    def run(self, *command: str) -> None:
        subprocess.run(command, env=self.env, cwd=REPO, check=True, timeout=300,
                       capture_output=True)  # fmt: skip

    def stop(self) -> None:
        stop_groups(self.procs)


def _wait(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done after {seconds:.0f} s")
        time.sleep(1.0)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _slices(folder: Path, count: int) -> list[Path]:
    import imageio_ffmpeg

    sample = REPO / "podclip" / "sample" / "episode.mp3"
    paths = []
    for i in range(count):
        path = folder / f"slice{i}.mp3"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-ss", str((i * 25) % 240),
             "-t", "20", "-i", str(sample), "-c:a", "libmp3lame", "-b:a", "64k", str(path)],
            check=True, timeout=60,
        )  # fmt: skip
        paths.append(path)
    return paths


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 2)


def scheduling_lag(tmp: Path, lag_jobs: int) -> dict[str, Any]:
    """Queued → transcribing on PostgreSQL with two workers, jobs submitted through the API."""
    from sqlalchemy.engine import make_url

    from podclip.store import ops

    ops_url = postgres.create_database("bench_ops")
    prefect_url = postgres.create_database("bench_prefect")
    media = tmp / "media-host"
    media.mkdir(parents=True)
    _slices(media, lag_jobs)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(media))
    host = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        **SHORT_JOBS,
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_API_DATABASE_CONNECTION_URL": make_url(prefect_url)
        .set(drivername="postgresql+asyncpg")
        .render_as_string(hide_password=False),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PODCLIP_DATA_ROOT": str(tmp / "data"),
        "PODCLIP_DATABASE_URL": ops_url,
        "PODCLIP_ALLOW_PRIVATE_URLS": "1",
        "PODCLIP_CODE_DIR": str(REPO),
    }
    logs = tmp / "logs"
    logs.mkdir()
    stack = Stack(env, logs)
    try:
        stack.start("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)])  # fmt: skip
        _wait(lambda: _healthy(f"{api}/health"), 240, "prefect server")
        stack.run(str(BIN / "prefect"), "work-pool", "create", "podclip", "--type", "process")
        stack.run(str(BIN / "prefect"), "--no-prompt", "deploy", "--prefect-file",
                  "deployments/prefect.yaml", "--name", "process-episode")  # fmt: skip
        for name in ("worker-a", "worker-b"):
            stack.start(name, [str(BIN / "podclip"), "worker", "--limit", "2", "--name", name])
        stack.start("dispatcher", [str(BIN / "podclip"), "dispatcher"])
        overrides = {k: env[k] for k in ("PODCLIP_DATABASE_URL", *SHORT_JOBS)}
        with run_api_server(tmp / "data", **RELAXED, **overrides) as server:
            key = server.create_key("live", name="bench-lag")
            headers = {"Authorization": f"Bearer {key}"}
            job_ids = []
            for i in range(lag_jobs):
                url = f"http://127.0.0.1:{host.server_address[1]}/slice{i}.mp3"
                response = httpx.post(server.url("/v1/jobs"), json={"source_url": url},
                                      headers=headers, timeout=30)  # fmt: skip
                response.raise_for_status()
                job_ids.append(response.json()["id"])
                time.sleep(3.0)
            engine = ops.engine_for(ops_url)

            def lags() -> list[float] | None:
                found = []
                for job_id in job_ids:
                    events = {
                        e["status"]: e["created_at"] for e in ops.job_events_for(engine, job_id)
                    }
                    if "transcribing" not in events:
                        return None
                    found.append((events["transcribing"] - events["queued"]).total_seconds())
                return found

            _wait(lambda: lags() is not None, 900, "every job to reach transcribing")
            values = lags() or []
    finally:
        stack.stop()
        host.shutdown()
        postgres.drop_database(ops_url)
        postgres.drop_database(prefect_url)
    return {
        "jobs": lag_jobs,
        "submitted_every_seconds": 3.0,
        "drain_every_seconds": 2.0,
        "workers": 2,
        "lags_seconds": [round(v, 2) for v in values],
        "p50_seconds": _percentile(values, 0.5),
        "p95_seconds": _percentile(values, 0.95),
        "mean_seconds": round(statistics.fmean(values), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per submission run")
    parser.add_argument("--levels", default="4,16,64", help="concurrent submitter counts")
    parser.add_argument("--lag-jobs", type=int, default=6)
    parser.add_argument("--pg-dsn", default=os.environ.get(postgres.DSN_ENV, DEFAULT_DSN))
    parser.add_argument("--skip-lag", action="store_true")
    args = parser.parse_args()
    # SIGTERM (timeout, kill) unwinds like Ctrl-C, so every server started here is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    os.environ[postgres.DSN_ENV] = args.pg_dsn
    if reason := postgres.unavailable_reason():
        raise SystemExit(f"{reason} (start one with: make pg-up)")
    levels = [int(x) for x in args.levels.split(",")]
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="podclip-bench-scale-") as name:
        tmp = Path(name)
        print("Submissions through the API, rising concurrency ...", flush=True)
        subs = submissions(tmp, levels, args.seconds)
        lag = None
        if not args.skip_lag:
            print("Scheduling lag with two workers ...", flush=True)
            lag = scheduling_lag(tmp / "lag", args.lag_jobs)
            print(f"  queued -> transcribing p50 {lag['p50_seconds']} s, "
                  f"p95 {lag['p95_seconds']} s", flush=True)  # fmt: skip
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        # The machine may be shared: a high load average means the numbers include other work.
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "api_workers": 2,
        "seconds_per_run": args.seconds,
        "submissions": subs,
        "scheduling_lag": lag,
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["scale"] = report
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
