"""Benchmark: score a synthetic one-hour transcript the way the pipeline does.

Run `python benchmarks/bench_scoring.py`.

The transcript is made of the team-written texts in scoring/data (validation first, then
train, each used once, so no sentence repeats; real passages stay in the shared folder) cut
into faster-whisper-like segments of 8-25 words with fake word timings at about 2.7 words/s
and two alternating speakers. It times `score_episode` (windows, embedding, head,
shareability, selection, and the selected clips' reason, hook and quote: what the pipeline
pays for an hour, the total held against the 15 s budget), and beside it the same hour with
every window's text written (`score_windows` plus selection), and compares the total with a
baseline measured in the same run: embedding the same sentences once with MiniLM and nothing
else (and, reported beside it, one context-encoder pass over them). It
reports the fastest of `--repeats` runs (default 3; all are recorded) because the machine may
be shared. Results go to benchmarks/scoring_results.json, with the model comparison on real
speech: the committed model's leave-one-episode-out report (from its training record) and
the alternatives measured under the same validation while choosing it (`MODEL_COMPARISON`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from dataclasses import dataclass
from pathlib import Path

from podclip.scoring import (
    MODEL_VERSION,
    ScoringOptions,
    build_windows,
    score_episode,
    score_windows,
    select_moments,
)
from podclip.scoring.classifier import get_classifier, read_sidecar
from podclip.scoring.clauses import forget as forget_clauses
from podclip.scoring.clauses import load_parser
from podclip.scoring.dataset import load_examples, written_files
from podclip.scoring.encodings import forget_encodings
from podclip.scoring.topics import forget as forget_topics
from podclip.scoring.types import Segment, Word
from podclip.scoring.windows import build_sentences

WORDS_PER_S = 2.7
# Alternatives measured in issue 13 on the 669 real passages, leave one episode out (pooled
# held-out predictions; macro-F1 over the 9 labels present / none recall, plain argmax unless
# a none bias is named). Re-measure with scoring.train's validation when anything changes.
MODEL_COMPARISON: list[dict[str, object]] = [
    {"model": "keyword rules (baseline)", "macro_f1": 0.122, "none_recall": 0.191},
    {"model": "zero-shot MiniLM prototypes (baseline)", "macro_f1": 0.201, "none_recall": 0.331},
    {"model": "MiniLM head, written texts only (before)", "macro_f1": 0.300, "none_recall": 0.574},
    {"model": "MiniLM head, written + real x1", "macro_f1": 0.370, "none_recall": 0.687},
    {"model": "MiniLM head, written + real x3", "macro_f1": 0.390, "none_recall": 0.761},
    {"model": "MiniLM head, written + real x10", "macro_f1": 0.353, "none_recall": 0.734},
    {
        "model": "x3 + conversation features (questions answered, filler share, line length)",
        "macro_f1": 0.387,
        "none_recall": 0.741,
    },
    {"model": "x3 + housekeeping score", "macro_f1": 0.395, "none_recall": 0.775},
    {
        "model": "x3 + conversation + housekeeping + episode-edge position",
        "macro_f1": 0.395,
        "none_recall": 0.759,
    },
    {
        "model": "x3 + conversation + housekeeping, none bias +1.5 (fixed, not nested)",
        "macro_f1": 0.342,
        "none_recall": 0.917,
    },
    {
        "model": "binary moment gate + type head (x3, conv, housekeeping)",
        "macro_f1": 0.277,
        "none_recall": 0.896,
    },
    {
        "model": "MiniLM head, x3, bias and L2 chosen in nested folds (minilm-l6-head-77234dc0e7)",
        "macro_f1": 0.314,
        "none_recall": 0.903,
    },
    {
        "model": "+ Gemma 3 270M layer-7 token states (committed, nested)",
        "macro_f1": 0.367,
        "none_recall": 0.923,
    },
]
RESULTS = Path(__file__).resolve().parent / "scoring_results.json"


def synthetic_transcript(seconds: float, seed: int = 7) -> list[Segment]:
    """Segments with word timings covering `seconds` of speech."""
    examples = load_examples(written_files())
    ordered = [e for e in examples if e.split == "validation"] + [
        e for e in examples if e.split == "train"
    ]
    rng = random.Random(seed)
    segments: list[Segment] = []
    t = 0.0
    for n, example in enumerate(ordered):
        speaker = "host" if n % 2 == 0 else "guest"
        tokens = example.text.split()
        i = 0
        while i < len(tokens):
            size = rng.randint(8, 25)
            words: list[Word] = []
            for token in tokens[i : i + size]:
                duration = len(token) / 14.0 + 0.1
                words.append(Word(round(t, 3), round(t + duration, 3), " " + token))
                t += 1.0 / WORDS_PER_S
            i += size
            text = "".join(w.text for w in words)
            segments.append(Segment(words[0].start, words[-1].end, text, tuple(words), speaker))
            if t >= seconds:
                return segments
        t += 0.6  # pause between turns
    return segments


@dataclass(frozen=True)
class Run:
    """One timed pass: the pipeline's call, every window described, then the baseline."""

    episode_s: float
    windows_s: float
    score_s: float
    select_s: float
    cpu_s: float
    baseline_s: float
    baseline_cpu_s: float
    context_s: float
    n_windows: int
    n_clips: int

    @property
    def total_s(self) -> float:
        return self.episode_s

    @property
    def every_window_s(self) -> float:
        return self.windows_s + self.score_s + self.select_s


def _forget() -> None:
    """Each timed call pays for the model passes, parses and tags, as a new episode does."""
    forget_encodings()
    forget_clauses()
    forget_topics()


def timed_run(segments: list[Segment], sentences: list[str], options: ScoringOptions) -> Run:
    """Time the scoring path and, right after it, the baseline (so both see similar load)."""
    classifier = get_classifier(options.torch_threads)
    _forget()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    picked = score_episode(segments, options)
    episode_s = time.perf_counter() - t0
    cpu_s = time.process_time() - cpu0
    _forget()
    t0 = time.perf_counter()
    windows = build_windows(segments, options)
    t1 = time.perf_counter()
    scored = score_windows(windows, options)
    t2 = time.perf_counter()
    select_moments(scored, options)
    t3 = time.perf_counter()
    cpu0 = time.process_time()
    t4 = time.perf_counter()
    classifier.embed(sentences)
    baseline_s = time.perf_counter() - t4
    baseline_cpu_s = time.process_time() - cpu0
    t5 = time.perf_counter()
    if classifier.encode_context is not None:
        classifier.encode_context(sentences, [i == 0 for i in range(len(sentences))])
    context_s = time.perf_counter() - t5
    return Run(
        episode_s,
        t1 - t0,
        t2 - t1,
        t3 - t2,
        cpu_s,
        baseline_s,
        baseline_cpu_s,
        context_s,
        len(windows),
        len(picked),
    )


def _real_validation() -> dict[str, object]:
    """The committed model's leave-one-episode-out summary from its training record."""
    report = read_sidecar().get("real_validation", {})
    keys = ("n", "macro_f1", "none_recall", "accuracy", "ece", "reliability")
    return {k: report[k] for k in keys if k in report}


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3600.0)
    parser.add_argument("--repeats", type=int, default=3, help="report the fastest of N runs")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    options = ScoringOptions()

    t0 = time.perf_counter()
    classifier = get_classifier(options.torch_threads)
    classifier.embed(["warm up"])
    load_parser()
    load_s = time.perf_counter() - t0

    segments = synthetic_transcript(args.seconds)
    audio_s = segments[-1].end - segments[0].start
    sentences = list(dict.fromkeys(s.text for s in build_sentences(segments)))
    load_avg = os.getloadavg()[0]
    # The machine may be shared: the fastest of a few runs estimates the cost itself, the
    # slowest shows what contention did.
    runs = [timed_run(segments, sentences, options) for _ in range(max(1, args.repeats))]
    best = min(runs, key=lambda r: r.total_s)
    baseline_s = min(r.baseline_s for r in runs)
    total_s = best.total_s
    # The same hour scored again in this process (other options, a show's deeper pool): its
    # sentence encodings are kept (scoring/encodings.py).
    t0 = time.perf_counter()
    score_episode(segments, options)
    rescore_s = time.perf_counter() - t0

    result = {
        "model_version": MODEL_VERSION,
        "audio_seconds": round(audio_s, 1),
        "segments": len(segments),
        "sentences": len(sentences),
        "windows": best.n_windows,
        "clips": best.n_clips,
        "repeats": len(runs),
        "load_seconds": round(load_s, 2),
        # The pipeline's call (score_episode): the total held against the budget.
        "total_seconds": round(total_s, 3),
        # The same hour with every window's reason, hook and quote written (score_windows).
        "build_windows_seconds": round(best.windows_s, 3),
        "score_windows_seconds": round(best.score_s, 3),
        "select_seconds": round(best.select_s, 3),
        "every_window_seconds": round(best.every_window_s, 3),
        "total_seconds_all_runs": [round(r.total_s, 3) for r in runs],
        "baseline_embed_sentences_seconds": round(baseline_s, 3),
        "baseline_seconds_all_runs": [round(r.baseline_s, 3) for r in runs],
        "context_pass_seconds": round(min(r.context_s for r in runs), 3),
        "score_episode_again_seconds": round(rescore_s, 3),
        "ratio_to_baseline": round(total_s / baseline_s, 2),
        # CPU seconds of this process (all its threads) in the fastest run.
        "total_cpu_seconds": round(best.cpu_s, 3),
        "baseline_cpu_seconds": round(best.baseline_cpu_s, 3),
        "load_average_1min_at_start": round(load_avg, 2),
        "sentences_per_second_baseline": round(len(sentences) / baseline_s, 1),
        "torch_threads": options.torch_threads or os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "budget_seconds": 15.0,
        "real_validation": _real_validation(),
        "model_comparison": MODEL_COMPARISON,
    }
    rows = [
        ("audio (s)", f"{audio_s:.0f}"),
        (
            "segments / sentences / windows",
            f"{len(segments)} / {len(sentences)} / {best.n_windows}",
        ),
        ("model load, once per process (s)", f"{load_s:.2f}"),
        ("score_episode: total, fastest run (s)", f"{total_s:.3f}"),
        (
            "every window described: build / score / select (s)",
            f"{best.windows_s:.2f} / {best.score_s:.2f} / {best.select_s:.2f}",
        ),
        ("total, all runs (s)", " ".join(f"{r.total_s:.1f}" for r in runs)),
        ("baseline: embed sentences once (s)", f"{baseline_s:.3f}"),
        ("total / baseline", f"{total_s / baseline_s:.2f}x"),
        ("context pass alone (s)", f"{min(r.context_s for r in runs):.3f}"),
        ("score the same hour again (s)", f"{rescore_s:.3f}"),
        ("CPU s: total / baseline", f"{best.cpu_s:.2f} / {best.baseline_cpu_s:.2f}"),
        ("load average at start", f"{load_avg:.2f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value:>16}")
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
