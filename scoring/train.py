"""Train the head: `python -m scoring.train` (seeded, reproducible, several minutes on 2 cores).

Steps: load the team-written texts (`scoring/data/*.jsonl`, train split only, each with three
transcript-like variants) and the real passages (`scoring/data/real/*.jsonl`, resolved from the
shared data folder, speaker turns kept); embed every distinct sentence once with MiniLM;
validate leave-one-episode-out over the real episodes (train on all written texts and the
other episodes, predict the held-out one). Everything the model chooses from data, the `none`
bias and the score calibration, is chosen inside the training folds of that validation (an
inner leave-one-episode-out), so the pooled held-out predictions are honest. The final head
is fitted on everything; its `none` bias and calibration come from the pooled out-of-fold
predictions. Writes `scoring/weights/head.npz` and the sidecar `head.json` (data hash,
settings, validation scores, reliability table).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .classifier import (
    DOMAIN_PATH,
    HEAD_PATH,
    SIDECAR_PATH,
    ContextFn,
    EmbedFn,
    model_version,
    n_cue_features,
    predict_proba,
    turns_features,
)
from .context_encoder import ENCODER_ID, load_context_encoder
from .cues import CUE_NAMES, sentence_cues
from .dataset import DATA_DIR, Example, augment, data_files, data_hash, load_examples
from .domain import Domain, fit_domain, save_domain
from .embedder import EMBEDDER_ID, EMBEDDING_DIM, load_embedder, set_torch_threads
from .features import Array
from .head import FitSettings, Head, fit_head, mean_head, save_head
from .labels import LABELS, NONE_LABEL
from .metrics import Report, evaluate_predictions, fit_platt, reliability
from .shareability import (
    calibrate,
    hook_strength,
    moment_logit,
    raw_score,
    self_containedness,
)
from .text import split_sentences

logger = logging.getLogger(__name__)

SEED = 13
AUGMENTATIONS: tuple[str, ...] = ("asr_lower", "asr_bare", "rechunk")
# l2 0.1 was chosen on the written texts' grouped 5-fold CV before any real passage existed;
# on real speech a weaker penalty keeps more moments at the required `none` recall. The grid
# now holds 0.03 alone: chosen from (0.03, 0.1) in the inner folds it won 7 of 9, and the
# choice flipped on float noise in 3-6 folds between draws. 0.01 was measured too (nested
# macro-F1 0.309) and left out: it fits the nine episodes' talk so closely that JFK's "ask
# not" line reads as `none` (p 0.87) and loses to nature-clip chatter.
SETTINGS = FitSettings(l2=0.03, cue_weight=1.0, seed=SEED)
L2_GRID: tuple[float, ...] = (0.03,)
# A head is the mean of one fit per seed (their logits averaged: still one linear head). Adam's
# 300 steps stop short of the optimum, so the seed moves the weights; on three float-noise
# draws of the features the average of three seeds scored 0.350-0.376 nested macro-F1 against
# 0.324-0.366 for one seed with the L2 chosen from (0.03, 0.1), never worse on the same draw.
FIT_SEEDS: tuple[int, ...] = (SEED, SEED + 1, SEED + 2)
# A real passage counts this many times a written text (1, 3 and 10 measured; 3 was best).
REAL_WEIGHT = 3.0
# `none` must keep at least this recall on held-out episodes: the bias on its logit is the one
# with the best macro-F1 among those reaching it in the inner validation.
NONE_RECALL_TARGET = 0.90
NONE_BIAS_GRID: tuple[float, ...] = tuple(float(b) for b in np.arange(-2.0, 6.01, 0.25))
_NONE = LABELS.index(NONE_LABEL)


def cached_embed(
    embed: EmbedFn, cache: dict[str, npt.NDArray[np.float32]] | None = None
) -> EmbedFn:
    """Wrap an embed function with a cache keyed by sentence text (per run unless given)."""
    cache = {} if cache is None else cache

    def run(sentences: Sequence[str]) -> Array:
        missing = [s for s in dict.fromkeys(sentences) if s not in cache]
        if missing:
            for s, v in zip(missing, embed(missing), strict=True):
                cache[s] = v
        if not sentences:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return np.stack([cache[s] for s in sentences])

    return run


def load_embedding_cache(path: Path | None) -> dict[str, npt.NDArray[np.float32]]:
    """Sentence vectors saved by an earlier run with the same embedder ({} if none or other)."""
    if path is None or not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as saved:
        if str(saved["embedder"]) != EMBEDDER_ID:
            logger.info("ignoring %s: made by %s", path, saved["embedder"])
            return {}
        return {str(t): v for t, v in zip(saved["texts"], saved["vectors"], strict=True)}


def save_embedding_cache(path: Path | None, cache: dict[str, npt.NDArray[np.float32]]) -> None:
    """Keep this run's sentence vectors for the next (a development speed-up, not an input)."""
    if path is None or not cache:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        embedder=np.asarray(EMBEDDER_ID),
        texts=np.asarray(list(cache)),
        vectors=np.stack(list(cache.values())),
    )


@dataclass(frozen=True)
class TrainingSet:
    """Feature rows of the written texts (with variants) and of the real passages."""

    written: Array
    written_targets: npt.NDArray[np.int64]
    real: Array
    real_targets: npt.NDArray[np.int64]
    real_openings: Array  # each real passage's first sentence alone (for the hook term)
    episodes: npt.NDArray[np.str_]
    real_examples: tuple[Example, ...]

    @property
    def gold(self) -> list[str]:
        """Gold labels of the real passages."""
        return [LABELS[t] for t in self.real_targets]


def build_training_set(
    written: Sequence[Example],
    real: Sequence[Example],
    embed: EmbedFn,
    context: ContextFn | None,
) -> TrainingSet:
    """Embed and featurise the written rows and real passages (speaker turns kept).

    `context` is part of the recipe (the head's width depends on it), so every caller names it:
    None only for a head that reads no context block.
    """
    openings = []
    for ex in real:
        speaker, text = ex.speaker_turns()[0]
        openings.append(((speaker, (split_sentences(text) or [text])[0]),))
    return TrainingSet(
        written=turns_features([r.speaker_turns() for r in written], embed, context),
        written_targets=np.asarray([LABELS.index(r.label) for r in written], dtype=np.int64),
        real=turns_features([r.speaker_turns() for r in real], embed, context),
        real_targets=np.asarray([LABELS.index(r.label) for r in real], dtype=np.int64),
        real_openings=turns_features(openings, embed, context),
        episodes=np.asarray([r.episode for r in real]),
        real_examples=tuple(real),
    )


def fit_on(data: TrainingSet, use: npt.NDArray[np.bool_], l2: float = SETTINGS.l2) -> Head:
    """A head fitted on every written row plus the real passages selected by `use` (seed mean)."""
    return mean_head(_fits(data, use, l2, FIT_SEEDS))


def fit_one(data: TrainingSet, use: npt.NDArray[np.bool_], l2: float, seed: int) -> Head:
    """One fit (one seed) on every written row plus the real passages selected by `use`."""
    (head,) = _fits(data, use, l2, (seed,))
    return head


def _fits(
    data: TrainingSet, use: npt.NDArray[np.bool_], l2: float, seeds: Sequence[int]
) -> list[Head]:
    """One fit per seed on the same rows (stacked once)."""
    features = np.vstack([data.written, data.real[use]])
    targets = np.concatenate([data.written_targets, data.real_targets[use]])
    weights = np.concatenate([np.ones(len(data.written)), np.full(int(use.sum()), REAL_WEIGHT)])
    return [
        fit_head(
            features,
            targets,
            LABELS,
            n_cue_features(),
            replace(SETTINGS, l2=l2, seed=seed),
            weights,
        )
        for seed in seeds
    ]


def with_none_bias(probs: npt.NDArray[np.floating], bias: float) -> npt.NDArray[np.float64]:
    """Probabilities after adding `bias` to the `none` logit (what the final head's bias does)."""
    logits = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0))
    logits[:, _NONE] += bias
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=np.float64)


def argmax_labels(probs: npt.NDArray[np.floating]) -> list[str]:
    """The most likely label of each row."""
    return [LABELS[i] for i in np.argmax(probs, axis=1)]


BiasKey = tuple[bool, float]


def choose_none_bias(probs: npt.NDArray[np.floating], gold: Sequence[str]) -> float:
    """The `none` bias with the best macro-F1 among those reaching the recall target."""
    return _best_none_bias(probs, gold)[1]


def _best_none_bias(probs: npt.NDArray[np.floating], gold: Sequence[str]) -> tuple[BiasKey, float]:
    """(reached the target, macro-F1 or else `none` recall) and the bias that gets it."""
    best: tuple[BiasKey, float] | None = None
    for bias in NONE_BIAS_GRID:
        report = evaluate_predictions(gold, argmax_labels(with_none_bias(probs, bias)), LABELS)
        recall = report.per_class[NONE_LABEL].recall
        reached = recall >= NONE_RECALL_TARGET
        key = (reached, report.macro_f1 if reached else recall)
        if best is None or key > best[0]:
            best = (key, bias)
    assert best is not None
    return best


def passage_raw_scores(
    examples: Sequence[Example],
    probs: npt.NDArray[np.floating],
    opening_probs: npt.NDArray[np.floating],
) -> npt.NDArray[np.float64]:
    """Raw shareability of passages as if each were a clip of ideal length."""
    hooks, contained = [], []
    for ex, p_open in zip(examples, opening_probs[:, _NONE], strict=True):
        sentences = split_sentences(ex.text) or [ex.text]
        hooks.append(hook_strength(sentences[0], sentence_cues(sentences[0]), float(p_open)))
        contained.append(self_containedness(sentences[0], sentences[-1]))
    return raw_score(moment_logit(probs[:, _NONE]), hooks, contained, np.ones(len(examples)))


@dataclass(frozen=True)
class Predictions:
    """Held-out probabilities of real passages and of their opening sentences."""

    probs: npt.NDArray[np.float64]
    openings: npt.NDArray[np.float64]


def by_episode(data: TrainingSet, pool: npt.NDArray[np.bool_], l2: float) -> Predictions:
    """Leave-one-episode-out over the episodes in `pool` (rows outside the pool stay zero)."""
    probs = np.zeros((len(data.real), len(LABELS)))
    openings = np.zeros_like(probs)
    for episode in sorted(set(data.episodes[pool].tolist())):
        held = data.episodes == episode
        head = fit_on(data, pool & ~held, l2)
        probs[held] = predict_proba(head, data.real[held])
        openings[held] = predict_proba(head, data.real_openings[held])
    return Predictions(probs, openings)


@dataclass(frozen=True)
class Choice:
    """What the data decides beyond the head's weights: L2, the `none` bias, the calibration."""

    l2: float
    none_bias: float
    calibration: tuple[float, float]


def by_episode_per_l2(data: TrainingSet, pool: npt.NDArray[np.bool_]) -> dict[float, Predictions]:
    """`by_episode` for every L2 of the grid."""
    return {l2: by_episode(data, pool, l2) for l2 in L2_GRID}


def choose(
    data: TrainingSet, pool: npt.NDArray[np.bool_], oofs: dict[float, Predictions]
) -> Choice:
    """L2, bias and calibration from held-out predictions of the passages in `pool`."""
    gold = [g for g, inside in zip(data.gold, pool, strict=True) if inside]
    keyed = {l2: _best_none_bias(oof.probs[pool], gold) for l2, oof in oofs.items()}
    # Ties go to the stronger penalty (the simpler head).
    l2 = max(keyed, key=lambda k: (keyed[k][0], k))
    bias, oof = keyed[l2][1], oofs[l2]
    examples = [e for e, inside in zip(data.real_examples, pool, strict=True) if inside]
    raw = passage_raw_scores(
        examples,
        with_none_bias(oof.probs[pool], bias),
        with_none_bias(oof.openings[pool], bias),
    )
    return Choice(l2, bias, fit_platt(raw, data.real_targets[pool] != _NONE))


def head_for(data: TrainingSet, pool: npt.NDArray[np.bool_]) -> tuple[Head, Choice]:
    """A finished head from the written rows and the episodes in `pool`, `none` bias folded in.

    L2, bias and calibration are chosen by leave-one-episode-out over the pool's episodes.
    """
    choice = choose(data, pool, by_episode_per_l2(data, pool))
    head = fit_on(data, pool, choice.l2)
    bias = head.bias.copy()
    bias[_NONE] += choice.none_bias
    return replace(head, bias=bias).with_calibration(*choice.calibration), choice


def domain_for(data: TrainingSet, pool: npt.NDArray[np.bool_]) -> Domain:
    """The training-domain guard of a head fitted on the written rows and `pool`'s passages."""
    rows = np.vstack([data.written, data.real[pool]])
    prior = np.bincount(data.real_targets[pool], minlength=len(LABELS))
    return fit_domain(rows, prior, _NONE)


def validate(data: TrainingSet) -> tuple[dict[str, Any], Predictions]:
    """Nested leave-one-episode-out validation; returns the report and the outer predictions.

    For each held-out episode the L2, bias and calibration come from an inner leave-one-episode-
    out over the other episodes, so nothing is chosen on the episode being predicted.
    """
    every = np.ones(len(data.real), dtype=np.bool_)
    outer = np.zeros((len(data.real), len(LABELS)))
    outer_open = np.zeros_like(outer)
    final = np.zeros_like(outer)
    scores = np.zeros(len(data.real))
    chosen: dict[str, dict[str, float]] = {}
    for episode in sorted(set(data.episodes.tolist())):
        held = data.episodes == episode
        pool = every & ~held
        choice = choose(data, pool, by_episode_per_l2(data, pool))
        head = fit_on(data, pool, choice.l2)
        outer[held] = predict_proba(head, data.real[held])
        outer_open[held] = predict_proba(head, data.real_openings[held])
        # As at inference: the bias is in the head, and the guard acts on its output for the
        # passage and, with the passage's trust, for its opening line.
        domain = domain_for(data, pool)
        trust = domain.trust(data.real[held])
        final[held] = domain.mix(with_none_bias(outer[held], choice.none_bias), trust)
        examples = [e for e, h in zip(data.real_examples, held, strict=True) if h]
        raw = passage_raw_scores(
            examples,
            final[held],
            domain.mix(with_none_bias(outer_open[held], choice.none_bias), trust),
        )
        scores[held] = calibrate(raw, choice.calibration)
        chosen[episode] = {
            "l2": choice.l2,
            "none_bias": choice.none_bias,
            "slope": choice.calibration[0],
        }
        logger.info("episode %s: l2 %g, none bias %.2f", episode, choice.l2, choice.none_bias)
    report = evaluate_predictions(data.gold, argmax_labels(final), LABELS)
    result = real_report(report, scores, data.real_targets != _NONE)
    result["predictions"] = argmax_labels(final)
    result["scores"] = np.round(scores, 2).tolist()
    result["chosen_per_fold"] = chosen
    return result, Predictions(outer, outer_open)


def real_report(
    report: Report, scores: npt.NDArray[np.float64], is_moment: npt.NDArray[np.bool_]
) -> dict[str, Any]:
    """macro-F1, none recall, per-class scores, confusion, ECE and the reliability table."""
    table, ece = reliability(scores, is_moment)
    return {
        "n": len(scores),
        "macro_f1": round(report.macro_f1, 4),
        "accuracy": round(report.accuracy, 4),
        "none_recall": round(report.per_class[NONE_LABEL].recall, 4),
        "per_class": {
            label: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "support": s.support,
            }
            for label, s in report.per_class.items()
        },
        "confusion": {
            "labels": list(report.confusion_labels),
            "matrix": [list(row) for row in report.confusion],
        },
        "ece": round(ece, 4),
        "reliability": [
            {
                "bin": f"{b.lo:.0f}-{b.hi:.0f}",
                "n": b.n,
                "mean_score": round(b.mean_score, 2),
                "share_moments": round(b.share_moments, 4),
            }
            for b in table
        ],
    }


def load_training_data(
    data_dir: Path, shared_dir: Path | None, seed: int
) -> tuple[list[Path], list[Example], list[Example], list[Example]]:
    """Data files, written train rows (with variants), written originals and real passages."""
    files = data_files(data_dir)
    if not files:
        raise SystemExit(f"no *.jsonl files in {data_dir}")
    examples = load_examples(files, shared_dir)
    written = [e for e in examples if e.origin == "written" and e.split == "train"]
    real = [e for e in examples if e.origin == "real"]
    if len({e.episode for e in real}) < 3:
        raise SystemExit("leave-one-episode-out needs real passages from at least 3 episodes")
    return files, augment(written, seed, AUGMENTATIONS), written, real


def train(
    data_dir: Path,
    out_dir: Path,
    seed: int,
    threads: int | None,
    shared_dir: Path | None = None,
    embedding_cache: Path | None = None,
) -> dict[str, Any]:
    """Run the whole training; returns the sidecar record it wrote."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    files, rows, written, real = load_training_data(data_dir, shared_dir, seed)
    logger.info(
        "%d written train texts (+%d variants), %d real passages from %d episodes",
        len(written),
        len(rows) - len(written),
        len(real),
        len({e.episode for e in real}),
    )
    set_torch_threads(threads)
    vectors = load_embedding_cache(embedding_cache)
    reused = len(vectors)
    embed = cached_embed(load_embedder().embed, vectors)
    t0 = time.perf_counter()
    data = build_training_set(rows, real, embed, load_context_encoder().encode)
    embed_s = time.perf_counter() - t0
    logger.info("embedded in %.1f s (%d sentence vectors reused)", embed_s, reused)
    save_embedding_cache(embedding_cache, vectors)

    validation, _ = validate(data)
    logger.info(
        "leave-one-episode-out: macro-F1 %.3f, none recall %.3f, ECE %.3f",
        validation["macro_f1"],
        validation["none_recall"],
        validation["ece"],
    )
    every = np.ones(len(data.real), dtype=np.bool_)
    head, choice = head_for(data, every)
    out_dir.mkdir(parents=True, exist_ok=True)
    head_path = out_dir / HEAD_PATH.name
    save_head(head, head_path)
    domain = domain_for(data, every)
    save_domain(domain, out_dir / DOMAIN_PATH.name)

    record: dict[str, Any] = {
        "model_version": model_version(head, domain),
        "weights_file": head_path.name,
        "weights_sha256": head.content_hash(),
        "embedder": EMBEDDER_ID,
        "labels": list(LABELS),
        "cue_names": list(CUE_NAMES),
        "data_sha256": data_hash(files),
        "data_files": [f"{p.parent.name}/{p.name}" for p in files],
        "counts": _counts(written, real),
        "settings": {
            **asdict(replace(SETTINGS, l2=choice.l2)),
            "l2_grid": list(L2_GRID),
            "fit_seeds": list(FIT_SEEDS),
            "real_weight": REAL_WEIGHT,
            "none_recall_target": NONE_RECALL_TARGET,
            "none_bias": choice.none_bias,
            "augmentations": list(AUGMENTATIONS),
            "representation": "mean of unit MiniLM sentence embeddings, re-normalised | mean "
            "token state of Gemma 3 270M's layer 7 over the span",
            "context_encoder": ENCODER_ID,
            "class_weighting": "balanced",
        },
        "calibration": {
            "slope": round(choice.calibration[0], 6),
            "intercept": round(choice.calibration[1], 6),
            "fitted_on": "pooled leave-one-episode-out predictions of the real passages (Platt)",
        },
        "domain": {
            "file": DOMAIN_PATH.name,
            "sha256": domain.content_hash(),
            "components": int(domain.components.shape[0]),
            "threshold": round(domain.threshold, 4),
            "tail": round(domain.tail, 4),
            "floor": domain.floor,
            "fitted_on": "standardised written rows (with variants) and real passages",
        },
        "real_validation": {k: v for k, v in validation.items() if k not in ("scores",)},
        "train_seconds": round(time.perf_counter() - started, 1),
        # CPU time of this process: comparable across runs when other jobs share the machine.
        "train_cpu_seconds": round(time.process_time() - cpu_started, 1),
        "embed_seconds": round(embed_s, 1),
        "sentence_vectors_reused": reused,
    }
    record["real_validation"].pop("predictions", None)
    sidecar = out_dir / SIDECAR_PATH.name
    sidecar.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    logger.info(
        "wrote %s (%s) in %.1f s", head_path, record["model_version"], record["train_seconds"]
    )
    return record


def _counts(written: Sequence[Example], real: Sequence[Example]) -> dict[str, Any]:
    return {
        label: {
            "written_train": sum(e.label == label for e in written),
            "real": sum(e.label == label for e in real),
        }
        for label in LABELS
    }


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out-dir", type=Path, default=HEAD_PATH.parent)
    parser.add_argument(
        "--shared", type=Path, default=None, help="shared data folder (real transcripts)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: cores)")
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        default=None,
        help="an .npz of sentence vectors to reuse and update (same embedder only)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    record = train(
        args.data_dir, args.out_dir, args.seed, args.threads, args.shared, args.embedding_cache
    )
    summary = {
        "model_version": record["model_version"],
        **{k: record["real_validation"][k] for k in ("macro_f1", "none_recall", "ece")},
        "train_seconds": record["train_seconds"],
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
