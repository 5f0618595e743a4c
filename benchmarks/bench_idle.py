"""The idle stack: what `make up` costs with nothing to do, and how fast a job then starts.

Starts the stack as `make up` does (``scripts/stack.sh up``: Prefect server, ``podclip serve``,
the API, all on loopback) with its data root in a temporary folder. After it has settled:

1. idle for ``--idle-seconds`` (default 300): CPU seconds used by the whole process tree (user +
   system of every process in the three process groups, reaped children included, from
   ``/proc``), and the number of Prefect flow runs created;
2. then ``--jobs`` (default 20) live jobs submitted through ``POST /api/v1/jobs``, one at a time
   on the otherwise idle stack: latency from the job's creation to its ``downloading`` event
   (both stamped by the database's writers on this machine), p50 and p95. The source is a URL
   on a loopback server that answers 404: the run enters ``downloading``, then fails at once
   (``source_unreachable``), so no episode is transcribed or rendered. Each latency is split
   into phases from Prefect's state history: dispatch (job -> flow run created), runner pickup
   (-> Pending), process start (-> Running) and flow code (-> ``downloading``);
3. then ``--baseline-jobs`` (default 10) more on a fresh stack with warm starts off
   (``PODCLIP_QUEUE__WARM_STARTS=false``: Prefect's cold ``python -m prefect.engine`` per run),
   the baseline for the same-run ratio ``cold_over_warm_p50_p95``.

Targets (issue 14): idle CPU < 2 % of one core, 0 flow runs while idle, p95 < 3 s.
Writes ``idle_stack`` into benchmarks/results.json (other keys kept). Not a test: it asserts
nothing; it prints the figures and whether each target is met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results.json"
BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ENDED = ("failed", "complete")
TARGETS = {"idle_cpu_percent_of_core": 2.0, "idle_flow_runs": 0, "p95_seconds": 3.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {what}")


def tree_cpu_seconds(groups: set[int]) -> float:
    """User + system CPU seconds of every live process in ``groups``, with reaped children."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended between listdir and read
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) in groups:  # fields[2] is the process group id
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


@contextmanager
def not_found_server() -> Iterator[str]:
    """A loopback HTTP server that answers 404 to everything; yields its base URL."""
    empty = tempfile.mkdtemp(prefix="bench-idle-empty-")

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=empty, **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        shutil.rmtree(empty, ignore_errors=True)


class Stack:
    """``scripts/stack.sh`` on free ports with a temporary data root."""

    def __init__(self, root: Path, **extra_env: str) -> None:
        self.root = root
        self.prefect_port = _free_port()
        self.api_port = _free_port()
        self.env = {
            **os.environ,
            "PODCLIP_DATA_ROOT": str(root),
            "PODCLIP_ALLOW_PRIVATE_URLS": "1",  # the 404 source is on loopback
            # /api/v1 allows 10 submissions a minute per key: more than that are measured here.
            "PODCLIP_API__KLIPIT_RATE_LIMIT_SUBMISSIONS": "1000",
            "PREFECT_PORT": str(self.prefect_port),
            "API_PORT": str(self.api_port),
            **extra_env,
        }
        self.env.pop("PREFECT_HOME", None)
        self.env.pop("PREFECT_API_URL", None)
        self.prefect_api = f"http://127.0.0.1:{self.prefect_port}/api"
        self.api = f"http://127.0.0.1:{self.api_port}"

    def script(self, action: str) -> None:
        subprocess.run(
            [str(REPO / "scripts" / "stack.sh"), action],
            env=self.env,
            cwd=REPO,
            check=True,
            timeout=300,
        )

    def groups(self) -> dict[str, int]:
        """Process group of each part (``stack.sh`` starts each with ``setsid``)."""
        run = self.root / "run"
        return {
            name: int((run / f"{name}.pid").read_text()) for name in ("prefect", "serve", "api")
        }

    def flow_run_count(self) -> int:
        response = httpx.post(f"{self.prefect_api}/flow_runs/count", json={}, timeout=30)
        response.raise_for_status()
        return int(response.json())

    def deployment_count(self) -> int:
        response = httpx.post(f"{self.prefect_api}/deployments/count", json={}, timeout=30)
        response.raise_for_status()
        return int(response.json())

    def create_key(self) -> str:
        done = subprocess.run(
            [str(BIN / "podclip"), "keys", "create", "--env", "live", "--name", "bench"],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout.strip().splitlines()[-1]


def _job_times(engine: Any, job_id: str) -> tuple[datetime, datetime | None, str]:
    """The job's creation time, its ``downloading`` time (if reached) and its status now."""
    from podclip.store import ops

    job = ops.get_job(engine, job_id)
    downloading = [
        e["created_at"] for e in ops.job_events_for(engine, job_id) if e["status"] == "downloading"
    ]
    return job.created_at, (downloading[0] if downloading else None), job.status


def _has_ended(engine: Any, job_id: str) -> bool:
    return _job_times(engine, job_id)[2] in ENDED


def _as_utc(value: datetime | str) -> datetime:
    from podclip.store.ops import as_utc

    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))


def run_phases(
    stack: Stack, flow_run_id: str, job_created: datetime, downloading: datetime
) -> dict[str, float]:
    """Where the time went, from Prefect's state history: job created -> flow run created (the
    dispatcher) -> Pending (the runner took it) -> Running (a process started and Prefect's
    engine in it loaded the run) -> ``downloading`` (the flow's own first step)."""
    run = httpx.get(f"{stack.prefect_api}/flow_runs/{flow_run_id}", timeout=30).json()
    states = httpx.get(
        f"{stack.prefect_api}/flow_run_states/", params={"flow_run_id": flow_run_id}, timeout=30
    ).json()

    def first(kind: str) -> datetime:
        return min(_as_utc(s["timestamp"]) for s in states if s["type"] == kind)

    created, pending, running = _as_utc(run["created"]), first("PENDING"), first("RUNNING")
    return {
        "dispatch": (created - _as_utc(job_created)).total_seconds(),
        "runner_pickup": (pending - created).total_seconds(),
        "process_start": (running - pending).total_seconds(),
        "flow_to_downloading": (_as_utc(downloading) - running).total_seconds(),
    }


def measure_latencies(stack: Stack, jobs: int, phases: dict[str, list[float]]) -> list[float]:
    """Submit ``jobs`` live jobs one at a time; seconds from creation to ``downloading`` each
    (and, into ``phases``, how long the dispatcher and the process start took)."""
    from podclip.store import ops

    engine = ops.engine_for(f"sqlite:///{stack.root / 'podclip.db'}")
    headers = {"Authorization": f"Bearer {stack.create_key()}"}
    latencies = []
    with (
        not_found_server() as media,
        httpx.Client(base_url=f"{stack.api}/api/v1", timeout=30) as http,
    ):
        for i in range(jobs):
            body = {"source_url": f"{media}/missing-{i}.mp3", "show_name": "Bench"}
            response = http.post("/jobs", json=body, headers=headers)
            response.raise_for_status()
            job_id = response.json()["id"]
            _wait(partial(_has_ended, engine, job_id), 120, job_id)
            created, downloading, status = _job_times(engine, job_id)
            if downloading is None:
                raise RuntimeError(f"{job_id} ended {status} without entering downloading")
            seconds = (_as_utc(downloading) - _as_utc(created)).total_seconds()
            latencies.append(seconds)
            run_id = str(ops.get_job(engine, job_id).flow_run_id)
            split = run_phases(stack, run_id, created, downloading)
            for name, value in split.items():
                phases.setdefault(name, []).append(value)
            steps = ", ".join(f"{name} {value:.2f}" for name, value in split.items())
            print(f"job {i + 1:2d}/{jobs}: downloading after {seconds:.2f} s ({steps}), "
                  f"then {status}")  # fmt: skip
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(latencies: list[float], phases: dict[str, list[float]]) -> dict[str, Any]:
    """p50, p95 and max of the latencies, and p50 and p95 of each phase."""
    return {
        "jobs": len(latencies),
        "submit_to_downloading_p50_seconds": round(statistics.median(latencies), 2),
        "submit_to_downloading_p95_seconds": round(percentile(latencies, 0.95), 2),
        "submit_to_downloading_max_seconds": round(max(latencies), 2),
        "phases_p50_p95_seconds": {
            name: [round(statistics.median(v), 2), round(percentile(v, 0.95), 2)]
            for name, v in phases.items()
        },
    }


def cold_baseline(jobs: int) -> dict[str, Any]:
    """The same jobs on a fresh stack whose runner starts every run cold (``python -m
    prefect.engine``, Prefect's default), in this run, so the warm figures have a baseline."""
    root = Path(tempfile.mkdtemp(prefix="bench-idle-cold-"))
    os.environ["PODCLIP_DATA_ROOT"] = str(root)
    stack = Stack(root, PODCLIP_QUEUE__WARM_STARTS="false")
    try:
        stack.script("up")
        _wait(lambda: stack.deployment_count() >= 2, 180, "podclip serve's deployments")
        time.sleep(10)
        print("cold-start baseline:")
        phases: dict[str, list[float]] = {}
        load_before = os.getloadavg()[0]
        latencies = measure_latencies(stack, jobs, phases)
        load_after = os.getloadavg()[0]
    finally:
        stack.script("down")
        shutil.rmtree(root, ignore_errors=True)
    figures = summary(latencies, phases)
    figures["load_average_1min_before_after_jobs"] = [round(load_before, 2), round(load_after, 2)]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-seconds", type=float, default=300.0)
    parser.add_argument("--settle-seconds", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument(
        "--baseline-jobs",
        type=int,
        default=10,
        help="jobs on a second stack with warm starts off (Prefect's cold start), 0: none",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    os.environ["PODCLIP_DATA_ROOT"] = str(root)
    stack = Stack(root)
    started = time.monotonic()
    try:
        stack.script("up")
        _wait(lambda: stack.deployment_count() >= 2, 180, "podclip serve's deployments")
        print(f"stack up in {time.monotonic() - started:.0f} s; settling {args.settle_seconds} s")
        time.sleep(args.settle_seconds)
        groups = stack.groups()
        runs_before = stack.flow_run_count()
        cpu_before = {name: tree_cpu_seconds({group}) for name, group in groups.items()}
        load_before = os.getloadavg()[0]
        began = time.monotonic()
        time.sleep(args.idle_seconds)
        parts = {
            name: round(tree_cpu_seconds({group}) - cpu_before[name], 2)
            for name, group in groups.items()
        }
        idle_wall = time.monotonic() - began
        load_after = os.getloadavg()[0]
        cpu = sum(parts.values())
        idle_runs = stack.flow_run_count() - runs_before
        percent = 100 * cpu / idle_wall
        print(f"idle {idle_wall:.0f} s: {cpu:.2f} CPU s ({percent:.2f} % of one core) {parts}, "
              f"{idle_runs} flow runs created")  # fmt: skip
        phases: dict[str, list[float]] = {}
        load_before_jobs = os.getloadavg()[0]
        latencies = measure_latencies(stack, args.jobs, phases)
        load_after_jobs = os.getloadavg()[0]
        job_runs = stack.flow_run_count() - runs_before - idle_runs
    finally:
        stack.script("down")
        shutil.rmtree(root, ignore_errors=True)
    baseline = cold_baseline(args.baseline_jobs) if args.baseline_jobs else None

    latencies = latencies or [float("nan")]
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    figures = {
        "idle_seconds": round(idle_wall, 1),
        "idle_cpu_seconds": round(cpu, 2),
        "idle_cpu_percent_of_core": round(percent, 2),
        "idle_cpu_seconds_by_process": parts,
        "load_average_1min_before_after_idle": [round(load_before, 2), round(load_after, 2)],
        "idle_flow_runs": idle_runs,
        "job_flow_runs": job_runs,
        **summary(latencies, phases),
        "load_average_1min_before_after_jobs": [
            round(load_before_jobs, 2),
            round(load_after_jobs, 2),
        ],
        "start_path": "warm: each run forked from podclip serve's preloaded forkserver",
        "cold_start_baseline": baseline,
        # Same-run ratios: what the warm start saves against Prefect's cold start.
        "cold_over_warm_p50_p95": [
            round(baseline["submit_to_downloading_p50_seconds"] / p50, 2),
            round(baseline["submit_to_downloading_p95_seconds"] / p95, 2),
        ]
        if baseline
        else None,
        "source": "POST /api/v1/jobs, one at a time, of a loopback URL that answers 404: each "
        "run enters downloading and then fails source_unreachable",
        "processes": "prefect server, podclip serve (runner + dispatcher + webhook loop), "
        "podclip api, with every child they reaped",
        "targets": TARGETS,
        "met": {
            "idle_cpu": percent < TARGETS["idle_cpu_percent_of_core"],
            "idle_flow_runs": idle_runs == TARGETS["idle_flow_runs"],
            "p95": p95 < TARGETS["p95_seconds"],
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    print(json.dumps(figures, indent=2))
    if not args.no_write:
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["idle_stack"] = figures
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote idle_stack to {RESULTS}")


if __name__ == "__main__":
    main()
