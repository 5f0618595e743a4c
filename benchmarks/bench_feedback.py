"""Benchmark: does a show's ranking learn from a simulated producer's reviews?

Run `python benchmarks/bench_feedback.py`.

The nine real rev16-train transcripts (never rev16, which is kept for evaluation) are one
show's episodes, in a fixed order. Times are estimated from word counts (2.6 words/s, speakers
from the turns; `scoring.rank_eval`'s builder). Each episode is scored once with
`score_episode` into a candidate pool three times the job's clip count.

A simulated producer with a hidden taste approves or rejects each delivered clip,
deterministically from what the clip is, with a little seeded noise (a verdict flips with
probability `NOISE`). The show is reviewed in order: episode 1 delivered by the generic
ranking, each later one by the ranking fitted on the reviews so far (active only from
`min_reviews`, podclip's default 20). The measure is the approval rate of the top 6 clips of
the held-out last four episodes, which no fit ever sees: before learning (the baseline, in
the same run) and after 1, 3 and 5 reviewed episodes. The bar: +15 points after 3 episodes,
as the mean over `--seeds` noise seeds. "ceiling" is the best top 6 a perfect learner could
pick from the same candidate pools (the producer's own verdicts).

Results go under the key ``feedback`` of benchmarks/results.json (other keys are kept).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from podclip.scoring import MODEL_VERSION, ScoredMoment, ScoringOptions
from podclip.scoring.dataset import default_shared_dir
from podclip.scoring.preferences import (
    MIN_REVIEWS,
    POOL_FACTOR,
    Review,
    ShowAdjustment,
    candidate_pool,
    fit,
    rerank,
)
from podclip.scoring.rank_eval import DEFAULT_RATE, load_transcript, to_segments

RESULTS = Path(__file__).resolve().parent / "results.json"
TRAIN_DIR = "transcripts/rev16-train"
REVIEWED_PER_EPISODE = 8  # the job's clip count: the producer reviews every clip it delivers
MEASURED_TOP = 6  # approval is measured on the top 6 clips
HELD_OUT = 4  # the last episodes: only ever measured, never fitted on
AFTER_EPISODES = (0, 1, 3, 5)  # reviewed episodes before measuring (0: the baseline)
NOISE = 0.1  # probability that a verdict flips
BAR_POINTS = 15.0
BAR_AFTER = 3


@dataclass(frozen=True)
class Producer:
    """A hidden taste: a verdict from a clip (before noise), and its description."""

    name: str
    description: str
    likes: Callable[[ScoredMoment], bool]


def _prob(m: ScoredMoment, *labels: str) -> float:
    return sum(m.type_probabilities.get(label, 0.0) for label in labels)


PRODUCERS = (
    Producer(
        "stories_not_predictions",
        "approves when p(emotional_story) + p(how_to) > p(bold_prediction) + p(strong_opinion)",
        lambda m: (
            _prob(m, "emotional_story", "how_to") > _prob(m, "bold_prediction", "strong_opinion")
        ),
    ),
    Producer(
        "short_clips",
        "approves clips shorter than 40 s",
        lambda m: m.duration < 40.0,
    ),
)


def verdict(producer: Producer, m: ScoredMoment, episode: str, seed: int) -> bool:
    """The producer's verdict: their taste, flipped with probability NOISE (seeded per clip)."""
    key = f"{producer.name}:{seed}:{episode}:{m.start:.2f}:{m.end:.2f}".encode()
    u = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64
    return producer.likes(m) != (u < NOISE)


@dataclass(frozen=True)
class Episode:
    name: str
    duration_s: float
    pool: list[ScoredMoment]


def score_show(shared: Path, options: ScoringOptions) -> list[Episode]:
    """Each rev16-train transcript's candidate pool, in the fixed episode order."""
    paths = sorted((shared / TRAIN_DIR).glob("*.turns.txt"), key=lambda p: (len(p.name), p.name))
    episodes = []
    for path in paths:
        transcript = load_transcript(path, DEFAULT_RATE)
        pool = candidate_pool(to_segments(transcript), options, REVIEWED_PER_EPISODE, POOL_FACTOR)
        episodes.append(Episode(path.name, transcript.tokens[-1].end, pool))
    return episodes


def delivered(ep: Episode, adjustment: ShowAdjustment | None) -> list[ScoredMoment]:
    """The job's clips, best first, as the pipeline would rank them for this show."""
    return rerank(ep.pool, adjustment, REVIEWED_PER_EPISODE, ep.duration_s).moments


def learn(
    episodes: Sequence[Episode], producer: Producer, seed: int, min_reviews: int
) -> ShowAdjustment | None:
    """Review the episodes in order, refitting after each; the adjustment after the last."""
    reviews: list[Review] = []
    adjustment: ShowAdjustment | None = None
    for ep in episodes:
        for m in delivered(ep, adjustment):
            reviews.append(Review(m, verdict(producer, m, ep.name, seed), ep.duration_s))
        adjustment = fit(reviews, "bench", min_reviews=min_reviews)
    return adjustment


def top_approval(
    episodes: Sequence[Episode], producer: Producer, seed: int, adjustment: ShowAdjustment | None
) -> float:
    """Approval rate (0-100) of the top 6 delivered clips over the held-out episodes."""
    verdicts = [
        verdict(producer, m, ep.name, seed)
        for ep in episodes
        for m in delivered(ep, adjustment)[:MEASURED_TOP]
    ]
    return 100.0 * sum(verdicts) / len(verdicts)


def ceiling(episodes: Sequence[Episode], producer: Producer, seed: int) -> float:
    """The best top-6 approval any re-ranking of the same pools could reach (0-100)."""
    hits = [
        min(MEASURED_TOP, sum(verdict(producer, m, ep.name, seed) for m in ep.pool))
        for ep in episodes
    ]
    return 100.0 * sum(hits) / (MEASURED_TOP * len(episodes))


def evaluate(
    episodes: Sequence[Episode], producer: Producer, seeds: int, min_reviews: int
) -> dict[str, Any]:
    """Held-out top-6 approval before and after learning, per seed and averaged."""
    train, test = episodes[:-HELD_OUT], episodes[-HELD_OUT:]
    per_seed: list[dict[str, Any]] = []
    for seed in range(seeds):
        row: dict[str, Any] = {"seed": seed}
        for k in AFTER_EPISODES:
            adjustment = learn(train[:k], producer, seed, min_reviews) if k else None
            row[f"after_{k}"] = round(top_approval(test, producer, seed, adjustment), 1)
            if k == max(AFTER_EPISODES) and adjustment is not None:
                row["moved"] = adjustment.moved()
        row["ceiling"] = round(ceiling(test, producer, seed), 1)
        per_seed.append(row)
    mean = {
        key: round(statistics.fmean(r[key] for r in per_seed), 1)
        for key in [*(f"after_{k}" for k in AFTER_EPISODES), "ceiling"]
    }
    gains = [r[f"after_{BAR_AFTER}"] - r["after_0"] for r in per_seed]
    return {
        "producer": producer.description,
        "approval_top6_mean": mean,
        "gain_after_3_points": round(statistics.fmean(gains), 1),
        "gain_after_3_min_points": round(min(gains), 1),
        "seeds_meeting_bar": sum(g >= BAR_POINTS for g in gains),
        "meets_bar": statistics.fmean(gains) >= BAR_POINTS,
        "moved_after_5_seed0": per_seed[0].get("moved", ()),
        "per_seed": per_seed,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=None, help="shared data folder")
    parser.add_argument("--seeds", type=int, default=10, help="noise seeds to average")
    parser.add_argument("--min-reviews", type=int, default=MIN_REVIEWS)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    shared = args.shared or default_shared_dir()
    started = time.perf_counter()
    episodes = score_show(shared, ScoringOptions(torch_threads=args.threads))
    scoring_s = time.perf_counter() - started
    report: dict[str, Any] = {
        "model_version": MODEL_VERSION,
        "episodes": [e.name for e in episodes],
        "held_out": [e.name for e in episodes[-HELD_OUT:]],
        "reviewed_per_episode": REVIEWED_PER_EPISODE,
        "measured_top": MEASURED_TOP,
        "candidate_pool": REVIEWED_PER_EPISODE * POOL_FACTOR,
        "min_reviews": args.min_reviews,
        "noise_flip_probability": NOISE,
        "seeds": args.seeds,
        "rate_words_per_s": DEFAULT_RATE,
        "bar": f"+{BAR_POINTS:g} points after {BAR_AFTER} reviewed episodes (mean over seeds)",
        "scoring_seconds": round(scoring_s, 1),
        "producers": {
            p.name: evaluate(episodes, p, args.seeds, args.min_reviews) for p in PRODUCERS
        },
        # For context only: the same with learning from the first review (no threshold).
        "producers_without_threshold": {
            p.name: evaluate(episodes, p, args.seeds, 1)["approval_top6_mean"] for p in PRODUCERS
        },
    }
    print(format_table(report))
    if not args.no_write:
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["feedback"] = report
        RESULTS.write_text(json.dumps(results, indent=2, default=_jsonable) + "\n")
        print(f"wrote {RESULTS} (key feedback)")


def _jsonable(value: Any) -> Any:
    return asdict(value) if hasattr(value, "__dataclass_fields__") else str(value)


def format_table(report: dict[str, Any]) -> str:
    """Top-6 approval on the held-out episodes, one row per producer."""
    head = "producer                   " + "".join(
        f"{'before' if k == 0 else f'after {k}':>9}" for k in AFTER_EPISODES
    )
    lines = [
        f"top-{report['measured_top']} approval (%) on held-out {', '.join(report['held_out'])}"
        f" (mean of {report['seeds']} seeds; min_reviews {report['min_reviews']})",
        head + f"{'ceiling':>9}{'gain@3':>8}",
    ]
    for name, r in report["producers"].items():
        m = r["approval_top6_mean"]
        cells = "".join(f"{m[f'after_{k}']:>9.1f}" for k in AFTER_EPISODES)
        lines.append(
            f"{name:<27}{cells}{m['ceiling']:>9.1f}{r['gain_after_3_points']:>+8.1f}"
            f"  {'meets' if r['meets_bar'] else 'below'} bar"
        )
    lines.append("without the min_reviews threshold (context):")
    for name, m in report["producers_without_threshold"].items():
        cells = "".join(f"{m[f'after_{k}']:>9.1f}" for k in AFTER_EPISODES)
        lines.append(f"{name:<27}{cells}{m['ceiling']:>9.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
