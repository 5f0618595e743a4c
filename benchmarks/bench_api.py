"""Benchmark: the job API under a fixed request rate, against a bare route in the same run.

Starts the API (``uvicorn api.main:app --workers 2`` on 127.0.0.1) over a fresh data root that
holds one complete live job (6 clips with renders and a 60-segment transcript, published to the
lake the way the pipeline does), then, from a second process, drives each endpoint open-loop
at a fixed rate (default 200 requests/s for 15 s): ``GET /healthz`` (the baseline: no key, no
database), ``GET /v1/jobs/{id}`` and ``GET /v1/jobs/{id}/clips``. Latency is measured from each
request's scheduled start, so a server that falls behind shows it (no coordinated omission).
Prints a table and writes benchmarks/api_results.json. Not a test: nothing here asserts a time.

Usage: python benchmarks/bench_api.py [--rate 200] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "api_results.json"
TARGET_P99_MS = 50.0
CLIPS = 6
SEGMENTS = 60


def seed(root: Path) -> tuple[str, str]:
    """One complete live job in the lake and a live key; return (job id, key)."""
    os.environ["PODCLIP_DATA_ROOT"] = str(root)
    from podclip.core.records import ClipPlan, RenderedClip, Transcript
    from podclip.core.settings import get_settings
    from podclip.scoring.types import ScoredMoment, Segment, Word
    from podclip.store import api_keys, ops
    from podclip.store.clips import PublishBatch, publish

    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(
        engine, source_type="audio_url", source_url="https://example.com/ep.mp3", environment="live"
    )
    segments = []
    for i in range(SEGMENTS):
        start = i * 4.0
        words = tuple(Word(start + k * 0.4, start + k * 0.4 + 0.35, f"word{k}") for k in range(9))
        segments.append(Segment(start, start + 3.8, " ".join(w.text for w in words), words,
                                "host" if i % 2 else "guest"))  # fmt: skip
    media = root / "media" / "renders"
    media.mkdir(parents=True, exist_ok=True)
    plans, renders = [], []
    for rank in range(1, CLIPS + 1):
        start = rank * 30.0
        moment = ScoredMoment(
            start, start + 28.0, "A quotable moment " * 8, "bold_prediction", "Bold/Contrarian",
            95.0 - rank, "Bold prediction: a clear claim.", "Hook line", "A quotable moment",
        )  # fmt: skip
        clip_id = f"clip_bench_{rank}"
        plans.append(ClipPlan(clip_id, rank, moment, segments[rank].words))
        path = media / f"{clip_id}.mp4"
        path.write_bytes(b"\0\0\0\x20ftypisom" + b"\0" * 1024)
        render = RenderedClip(
            "vertical", f"renders/{path.name}", str(path), 1080, 1920, 28.0, 1036, "0" * 64,
            "yellow-pop",
        )  # fmt: skip
        renders.append((clip_id, render))
    publish(
        settings,
        PublishBatch(
            job.id,
            "0" * 64,
            Transcript(tuple(segments), "en", 240.0, "tiny.en"),
            plans,
            renders,
            "bench",
        ),
    )
    ops.set_status(engine, job.id, "complete", clip_count=CLIPS, duration_seconds=240.0)
    _, key = api_keys.create_key(engine, environment="live", name="bench")
    return job.id, key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_api(root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PODCLIP_DATA_ROOT": str(root),
        "PODCLIP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # The bench measures serving, not refusing: budgets far above the driven rate.
        "PODCLIP_API__RATE_LIMIT_READS": "1000000",
        "PODCLIP_API__RATE_LIMIT_WRITES": "1000000",
    }
    log = (root / "uvicorn.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "podclip.api.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--no-access-log", "--log-level", "info"],
        env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (root / "uvicorn.log").read_text(errors="replace").count("startup complete") < 2:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((root / "uvicorn.log").read_text())
        time.sleep(0.1)
    return proc


async def drive(url: str, headers: dict[str, str], rate: float, seconds: float) -> dict[str, Any]:
    """Open-loop load: request i is due at t0 + i/rate; latency counts from when it was due."""
    import httpx

    total = int(rate * seconds)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.05

        async def one(i: int) -> None:
            due = t0 + i / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            try:
                response = await client.get(url, headers=headers)
                response.read()
                if response.status_code != 200:
                    errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
                    return
            except Exception as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return
            latencies.append(loop.time() - due)

        started = loop.time()
        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = loop.time() - started
    latencies.sort()

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0
        )

    return {
        "requests": total,
        "ok": len(latencies),
        "errors": errors,
        "target_rps": rate,
        "achieved_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p90_ms": round(pct(0.90), 2),
        "p99_ms": round(pct(0.99), 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
    }


def driver_main(spec: str) -> None:
    """Second-process entry point: run every phase in ``spec`` (JSON) and print JSON results."""
    plan = json.loads(spec)
    results = {}
    for phase in plan["phases"]:
        # Warm up each endpoint (both workers attach the lake, fill caches) before measuring.
        asyncio.run(drive(phase["url"], phase["headers"], 50, 2))
        results[phase["name"]] = asyncio.run(
            drive(phase["url"], phase["headers"], plan["rate"], plan["seconds"])
        )
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="per endpoint")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        driver_main(args.drive)
        return
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="podclip-bench-api-") as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        job_id, key = seed(root)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_api(root, port)
        try:
            auth = {"Authorization": f"Bearer {key}"}
            spec = {
                "rate": args.rate,
                "seconds": args.seconds,
                "phases": [
                    {"name": "GET /healthz (baseline)", "url": f"{base}/healthz", "headers": {}},
                    {"name": "GET /v1/jobs/{id}", "url": f"{base}/v1/jobs/{job_id}",
                     "headers": auth},
                    {"name": "GET /v1/jobs/{id}/clips", "url": f"{base}/v1/jobs/{job_id}/clips",
                     "headers": auth},
                ],
            }  # fmt: skip
            out = subprocess.run(
                [sys.executable, __file__, "--drive", json.dumps(spec)],
                capture_output=True, text=True, timeout=600, check=True, cwd=REPO,
            )  # fmt: skip
            results = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
            log = (root / "uvicorn.log").read_text(errors="replace").splitlines()
            # uvicorn replaces a worker that misses its health check: say so if it happened.
            restarts = [line for line in log if "died" in line]
            problems = [line for line in log if "ERROR" in line or "Traceback" in line][:20]
    report = {
        "benchmark": "api",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        # The machine may be shared: a high load average means the numbers include other work.
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "workers": 2,
        "rate_rps": args.rate,
        "seconds_per_endpoint": args.seconds,
        "target_p99_ms": TARGET_P99_MS,
        "clips": CLIPS,
        "transcript_segments": SEGMENTS,
        "worker_restarts": len(restarts),
        "server_errors": problems,
        "results": results,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'endpoint':<28} {'target/s':>9} {'achieved/s':>11} {'p50 ms':>8} {'p90 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'errors':>7}")  # fmt: skip
    for name, r in results.items():
        print(f"{name:<28} {r['target_rps']:>9.0f} {r['achieved_rps']:>11.1f} {r['p50_ms']:>8.2f} "
              f"{r['p90_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['max_ms']:>8.2f} "
              f"{sum(r['errors'].values()):>7}")  # fmt: skip
    if restarts or problems:
        print(f"server: {len(restarts)} worker restarts, {len(problems)} error lines (see JSON)")
    print(f"written to {RESULTS.relative_to(REPO)} (target: p99 under {TARGET_P99_MS:.0f} ms)")


if __name__ == "__main__":
    main()
