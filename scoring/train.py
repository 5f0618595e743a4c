"""Train the head: `python -m scoring.train` (seeded, reproducible, a few minutes on 2 cores).

Steps: load `scoring/data/*.jsonl`; keep the train split (validation is never used for
fitting or choosing); add transcript-like variants of every train text (lower-cased without
inner punctuation, fully unpunctuated, re-chunked sentences); embed every distinct sentence
once with MiniLM; choose the L2 penalty and the cue weight by grouped 5-fold cross-validation
(variants stay in their original's fold) on macro-F1 over the original texts; fit the
shareability calibration on out-of-fold predictions; fit the final head on all train rows;
write `scoring/weights/head.npz` and the sidecar `head.json` (data hash, settings, CV scores).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .classifier import (
    HEAD_PATH,
    SIDECAR_PATH,
    EmbedFn,
    model_version,
    n_cue_features,
    predict_proba,
    text_features,
)
from .cues import CUE_NAMES, sentence_cues
from .dataset import DATA_DIR, Example, augment, data_files, data_hash, load_examples
from .embedder import EMBEDDER_ID, load_embedder, set_torch_threads
from .features import Array
from .head import FitSettings, Head, fit_head, save_head
from .labels import LABELS, NONE_LABEL
from .metrics import evaluate_predictions
from .shareability import (
    calibrate,
    fit_calibration,
    hook_strength,
    raw_score,
    self_containedness,
)
from .text import split_sentences

logger = logging.getLogger(__name__)

SEED = 13
FOLDS = 5
AUGMENTATIONS: tuple[str, ...] = ("asr_lower", "asr_bare", "rechunk")
L2_GRID: tuple[float, ...] = (3e-2, 1e-1, 3e-1)
CUE_WEIGHT_GRID: tuple[float, ...] = (0.5, 1.0)


def cached_embed(embed: EmbedFn) -> EmbedFn:
    """Wrap an embed function with a per-run cache keyed by sentence text."""
    cache: dict[str, npt.NDArray[np.float32]] = {}

    def run(sentences: Sequence[str]) -> Array:
        missing = [s for s in dict.fromkeys(sentences) if s not in cache]
        if missing:
            for s, v in zip(missing, embed(missing), strict=True):
                cache[s] = v
        if not sentences:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([cache[s] for s in sentences])

    return run


def fold_of(groups: Sequence[int], seed: int, folds: int = FOLDS) -> npt.NDArray[np.int64]:
    """Assign each original text (group) to a fold, shuffled by the seed."""
    unique = sorted(set(groups))
    random.Random(seed).shuffle(unique)
    fold = {g: i % folds for i, g in enumerate(unique)}
    return np.asarray([fold[g] for g in groups], dtype=np.int64)


def cross_validate(
    features: Array,
    targets: npt.NDArray[np.int64],
    folds: npt.NDArray[np.int64],
    original: npt.NDArray[np.bool_],
    settings: FitSettings,
) -> tuple[float, npt.NDArray[np.float32], list[Head]]:
    """Macro-F1 over held-out originals, out-of-fold probabilities, and the fold heads."""
    oof = np.zeros((len(targets), len(LABELS)), dtype=np.float32)
    heads: list[Head] = []
    for k in range(FOLDS):
        train = folds != k
        head = fit_head(features[train], targets[train], LABELS, n_cue_features(), settings)
        heads.append(head)
        held = ~train
        oof[held] = predict_proba(head, features[held])
    gold = [LABELS[t] for t in targets[original]]
    pred = [LABELS[i] for i in np.argmax(oof[original], axis=1)]
    return evaluate_predictions(gold, pred, LABELS).macro_f1, oof, heads


def calibration_inputs(
    texts: Sequence[str], p_none: npt.NDArray[np.floating], opening_p_none: Sequence[float]
) -> npt.NDArray[np.float64]:
    """Raw shareability of training texts as if each were a clip of ideal length."""
    hooks, contained = [], []
    for text, p_open in zip(texts, opening_p_none, strict=True):
        sentences = split_sentences(text) or [text]
        hooks.append(hook_strength(sentences[0], sentence_cues(sentences[0]), p_open))
        contained.append(self_containedness(sentences[0], sentences[-1]))
    return raw_score(p_none, hooks, contained, np.ones(len(texts)))


def train(data_dir: Path, out_dir: Path, seed: int, threads: int | None) -> dict[str, Any]:
    """Run the whole training; returns the sidecar record it wrote."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    files = data_files(data_dir)
    if not files:
        raise SystemExit(f"no *.jsonl files in {data_dir}")
    examples = load_examples(files)
    train_set = [e for e in examples if e.split == "train"]
    validation = [e for e in examples if e.split == "validation"]
    rows = augment(train_set, seed, AUGMENTATIONS)
    logger.info(
        "%d train texts (+%d variants), %d validation",
        len(train_set),
        len(rows) - len(train_set),
        len(validation),
    )

    set_torch_threads(threads)
    embed = cached_embed(load_embedder().embed)
    t0 = time.perf_counter()
    features = text_features([r.text for r in rows], embed)
    # The opening sentence of each original alone, for the hook term of the calibration.
    openings = [(split_sentences(e.text) or [e.text])[0] for e in train_set]
    opening_features = text_features(openings, embed)
    embed_s = time.perf_counter() - t0
    logger.info("embedded in %.1f s", embed_s)

    targets = np.asarray([LABELS.index(r.label) for r in rows], dtype=np.int64)
    groups = [r.group for r in rows]
    folds = fold_of(groups, seed)
    original = np.zeros(len(rows), dtype=np.bool_)
    original[: len(train_set)] = True

    base = FitSettings(seed=seed)
    cv: list[dict[str, float]] = []
    best: tuple[float, FitSettings, npt.NDArray[np.float32], list[Head]] | None = None
    for l2 in L2_GRID:
        for cue_weight in CUE_WEIGHT_GRID:
            settings = replace(base, l2=l2, cue_weight=cue_weight)
            score, oof, heads = cross_validate(features, targets, folds, original, settings)
            cv.append({"l2": l2, "cue_weight": cue_weight, "macro_f1": round(score, 4)})
            logger.info("cv l2=%g cue_weight=%g macro-F1 %.3f", l2, cue_weight, score)
            if best is None or score > best[0] + 1e-9:
                best = (score, settings, oof, heads)
    assert best is not None
    cv_f1, chosen, oof, fold_heads = best

    # Calibration on out-of-fold predictions of the original train texts.
    orig_folds = folds[: len(train_set)]
    opening_p_none = np.zeros(len(train_set))
    for k, head in enumerate(fold_heads):
        held = orig_folds == k
        opening_p_none[held] = predict_proba(head, opening_features[held])[:, -1]
    raw = calibration_inputs(
        [e.text for e in train_set], oof[: len(train_set), -1], opening_p_none.tolist()
    )
    is_moment = np.asarray([e.label != NONE_LABEL for e in train_set])
    slope, intercept = fit_calibration(raw, is_moment)
    calibrated = calibrate(raw, [slope, intercept])
    logger.info("calibration slope %.3f intercept %.3f", slope, intercept)

    head = fit_head(features, targets, LABELS, n_cue_features(), chosen)
    head = head.with_calibration(slope, intercept)
    out_dir.mkdir(parents=True, exist_ok=True)
    head_path = out_dir / HEAD_PATH.name
    save_head(head, head_path)

    digest = head.content_hash()
    record: dict[str, Any] = {
        "model_version": model_version(head),
        "weights_file": head_path.name,
        "weights_sha256": digest,
        "embedder": EMBEDDER_ID,
        "labels": list(LABELS),
        "cue_names": list(CUE_NAMES),
        "data_sha256": data_hash(files),
        "data_files": [p.name for p in files],
        "counts": _counts(train_set, validation),
        "settings": {
            **asdict(chosen),
            "folds": FOLDS,
            "augmentations": list(AUGMENTATIONS),
            "l2_grid": list(L2_GRID),
            "cue_weight_grid": list(CUE_WEIGHT_GRID),
            "representation": "mean of unit MiniLM sentence embeddings, re-normalised",
            "class_weighting": "balanced",
        },
        "cross_validation": cv,
        "cross_validation_macro_f1": round(cv_f1, 4),
        "calibration": {
            "slope": round(slope, 6),
            "intercept": round(intercept, 6),
            "fitted_on": "out-of-fold predictions of the original train texts",
            "mean_score_moments": round(float(calibrated[is_moment].mean()), 2),
            "mean_score_none": round(float(calibrated[~is_moment].mean()), 2),
        },
        "train_seconds": round(time.perf_counter() - started, 1),
        # CPU time of this process: comparable across runs when other jobs share the machine.
        "train_cpu_seconds": round(time.process_time() - cpu_started, 1),
        "embed_seconds": round(embed_s, 1),
    }
    sidecar = out_dir / SIDECAR_PATH.name
    sidecar.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    logger.info(
        "wrote %s (%s) in %.1f s", head_path, record["model_version"], record["train_seconds"]
    )
    return record


def _counts(train_set: Sequence[Example], validation: Sequence[Example]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label in LABELS:
        out[label] = {
            "train": sum(e.label == label for e in train_set),
            "validation": sum(e.label == label for e in validation),
        }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out-dir", type=Path, default=HEAD_PATH.parent)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: cores)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    record = train(args.data_dir, args.out_dir, args.seed, args.threads)
    print(
        json.dumps(
            {k: record[k] for k in ("model_version", "cross_validation_macro_f1", "train_seconds")},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
