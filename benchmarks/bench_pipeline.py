"""Benchmark: a 60-minute episode through the whole pipeline, against bare transcription.

Builds the episode from the bundled sample and the real recordings in ../shared/data (joined
end to end, repeated to 60 minutes), then measures in one run and one process:
bare faster-whisper transcription with the pipeline's own model and settings (the baseline),
the whole pipeline with 5 rendered clips, and a rerun of the same episode as a new job.
Prints a table and writes benchmarks/results.json. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
TARGET_SECONDS = 3600.0
CLIPS = 5


def build_episode(out: Path) -> float:
    """Concatenate the sample and shared recordings to about an hour of 16 kHz mono audio."""
    from podclip.tasks.ffmpeg import probe, run_ffmpeg

    parts = [REPO / "podclip" / "sample" / "episode.mp3"]
    for rel in (
        "faster-whisper/jfk.flac",
        "picovoice/falcon_test.wav",
        "lhotse-ami/ES2011a.Headset-0-40s-46s.wav",
        "auto-editor/example.mp4",
        "faster-whisper/stereo_diarization.wav",
    ):
        if (SHARED / rel).exists():
            parts.append(SHARED / rel)
    lengths = [probe(p).duration_seconds for p in parts]
    sequence: list[Path] = []
    total = 0.0
    while total < TARGET_SECONDS:
        for part, length in zip(parts, lengths, strict=True):
            sequence.append(part)
            total += length
            if total >= TARGET_SECONDS:
                break
    args: list[str] = []
    for part in sequence:
        args += ["-i", str(part)]
    graph = "".join(
        f"[{i}:a:0]aresample=16000,aformat=channel_layouts=mono[a{i}];"
        for i in range(len(sequence))
    )
    graph += "".join(f"[a{i}]" for i in range(len(sequence)))
    graph += f"concat=n={len(sequence)}:v=0:a=1[out]"
    run_ffmpeg(
        [
            *args,
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            str(out),
        ],
        timeout=600,
    )
    return probe(out).duration_seconds


def bare_transcribe(wav: Path) -> float:
    """Seconds for faster-whisper alone, model already loaded, the pipeline's model and options.

    Transcript repair is the pipeline's own work on top of Whisper, so the baseline skips it.
    """
    from dataclasses import replace

    from podclip.core.settings import get_settings
    from podclip.tasks.transcribe import decode, transcription_options
    from podclip.tasks.whisper_models import load_model

    opts = replace(transcription_options(get_settings().transcribe, {}), repair=False)
    model = load_model(opts.model.path, opts.device, opts.compute_type, opts.cpu_threads)
    started = time.perf_counter()
    decode(model, str(wav), opts)
    return time.perf_counter() - started


def stage_seconds(job_id: str) -> dict[str, float]:
    """Seconds per status from the job's events (each status until the next one)."""
    from podclip.core.settings import get_settings
    from podclip.store import ops

    events = ops.job_events_for(ops.engine_for(get_settings().resolved_database_url), job_id)
    stages: dict[str, float] = {}
    for current, following in itertools.pairwise(events):
        took = (following["created_at"] - current["created_at"]).total_seconds()
        stages[current["status"]] = stages.get(current["status"], 0.0) + took
    return stages


def task_window(flow_run_id: str, name: str) -> float:
    """Wall seconds from the first start to the last end of a task's runs in a flow run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    spans = [
        (r.start_time, r.end_time)
        for r in runs
        if r.name.startswith(name) and r.start_time and r.end_time
    ]
    if not spans:
        return 0.0
    return (max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds()


def run_job(source: Path) -> tuple[str, float]:
    from podclip.core.settings import get_settings
    from podclip.flows.episode import process_episode
    from podclip.store import ops

    engine = ops.engine_for(get_settings().resolved_database_url)
    job = ops.create_job(
        engine,
        source_type="file",
        source_url=str(source),
        options={"clip_count": CLIPS},
        show_name="Benchmark Show",
    )
    started = time.perf_counter()
    process_episode(job.id)
    took = time.perf_counter() - started
    job = ops.get_job(engine, job.id)
    if job.status != "complete":
        raise SystemExit(f"benchmark job failed: {job.error_code}: {job.error_message}")
    return job.id, took


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="podclip-bench-"))
    os.environ["PODCLIP_DATA_ROOT"] = str(work / "data")
    sys.path.insert(0, str(REPO))
    from podclip.cli.common import local_settings

    settings = local_settings()  # a fresh data root: its database and lake are created here
    try:
        episode = work / "episode-60min.mp3"
        audio_seconds = build_episode(episode)
        from podclip.tasks.ffmpeg import run_ffmpeg

        wav = work / "episode.wav"
        run_ffmpeg(["-i", str(episode), "-ac", "1", "-ar", "16000", str(wav)], timeout=600)
        bare = bare_transcribe(wav)

        job_id, pipeline_seconds = run_job(episode)
        from podclip.store import ops
        from podclip.store.clips import clips_for_job

        job = ops.get_job(ops.engine_for(settings.resolved_database_url), job_id)
        render_seconds = task_window(str(job.flow_run_id), "render_clip")
        clips = clips_for_job(settings, job_id)
        rendered = sum(r["duration_seconds"] for c in clips for r in c["renders"])
        stages = stage_seconds(job_id)

        _rerun_id, rerun_seconds = run_job(episode)
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        results = {
            "audio_seconds": round(audio_seconds, 1),
            "bare_transcribe_seconds": round(bare, 2),
            "pipeline_seconds": round(pipeline_seconds, 2),
            "render_seconds": round(render_seconds, 2),
            "rendered_clip_seconds": round(rendered, 2),
            "rerun_seconds": round(rerun_seconds, 2),
            "peak_rss_mb": round(peak_self, 1),
            "peak_child_rss_mb": round(peak_children, 1),
            "stages": {k: round(v, 2) for k, v in stages.items()},
            "clips": len(clips),
            "ratios": {
                "real_time_factor": round(audio_seconds / pipeline_seconds, 1),
                "non_render_vs_bare_transcribe": round(
                    (pipeline_seconds - render_seconds) / bare, 3
                ),
                "rendered_seconds_per_wall_second": round(rendered / max(render_seconds, 1e-9), 2),
                "rerun_vs_first_run": round(rerun_seconds / pipeline_seconds, 4),
            },
            "machine": {"cpus": os.cpu_count()},
        }
        out = REPO / "benchmarks" / "results.json"
        # Other benchmarks keep their own keys in the same file ("scale", "analytics").
        merged = json.loads(out.read_text()) if out.exists() else {}
        merged.update(results)
        out.write_text(json.dumps(merged, indent=2) + "\n")
        _print(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _print(results: dict[str, object]) -> None:
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
