"""Metrics without scikit-learn: per-class P/R/F1, macro-F1, confusion; calibration checks.

`reliability` bins 0-100 scores and compares each bin's mean score with the share of labelled
moments in it; the expected calibration error (ECE) is the count-weighted mean gap, in 0-1.
`fit_platt` is the plain (not class-balanced) 1-D logistic fit used to make a score a
probability of "labelled a moment" at the real base rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class ClassScores:
    """Precision, recall and F1 of one label, with its support (true count)."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    """Scores over the labels present in the gold data (macro-F1 averages those)."""

    labels: tuple[str, ...]
    per_class: dict[str, ClassScores]
    macro_f1: float
    accuracy: float
    confusion: tuple[tuple[int, ...], ...]  # rows: gold label, columns: predicted label
    confusion_labels: tuple[str, ...]


def evaluate_predictions(
    gold: Sequence[str], predicted: Sequence[str], label_order: Sequence[str] = ()
) -> Report:
    """Score predictions against gold labels; macro-F1 over the gold labels present."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    present = _ordered(set(gold), label_order)
    every = _ordered(set(gold) | set(predicted), label_order)
    per_class: dict[str, ClassScores] = {}
    for label in present:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = ClassScores(precision, recall, f1, tp + fn)
    macro = sum(s.f1 for s in per_class.values()) / len(per_class) if per_class else 0.0
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(len(gold), 1)
    index = {label: i for i, label in enumerate(every)}
    matrix = [[0] * len(every) for _ in every]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return Report(
        labels=tuple(present),
        per_class=per_class,
        macro_f1=macro,
        accuracy=accuracy,
        confusion=tuple(tuple(row) for row in matrix),
        confusion_labels=tuple(every),
    )


def _ordered(labels: set[str], order: Sequence[str]) -> list[str]:
    known = [label for label in order if label in labels]
    return known + sorted(labels - set(known))


@dataclass(frozen=True)
class ReliabilityBin:
    """Scores in [lo, hi): how many, their mean (0-100) and the share that are moments (0-1)."""

    lo: float
    hi: float
    n: int
    mean_score: float
    share_moments: float


def reliability(
    scores: npt.ArrayLike, is_moment: npt.ArrayLike, bins: int = 10
) -> tuple[list[ReliabilityBin], float]:
    """Reliability table over equal-width 0-100 bins, and the expected calibration error."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(is_moment, dtype=np.float64)
    edges = np.linspace(0.0, 100.0, bins + 1)
    which = np.clip(np.digitize(s, edges[1:-1]), 0, bins - 1)
    table: list[ReliabilityBin] = []
    ece = 0.0
    for k in range(bins):
        inside = which == k
        n = int(inside.sum())
        mean = float(s[inside].mean()) if n else 0.0
        share = float(y[inside].mean()) if n else 0.0
        table.append(ReliabilityBin(float(edges[k]), float(edges[k + 1]), n, mean, share))
        ece += n * abs(mean / 100.0 - share)
    return table, ece / max(len(s), 1)


def fit_platt(raw: npt.ArrayLike, is_moment: npt.ArrayLike) -> tuple[float, float]:
    """Slope and intercept of P(moment) = sigmoid(slope * raw + intercept), Newton's method."""
    x = np.asarray(raw, dtype=np.float64)
    y = np.asarray(is_moment, dtype=np.float64)
    design = np.stack([x, np.ones_like(x)], axis=1)
    theta = np.zeros(2)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        grad = design.T @ (p - y) / len(x) + 1e-4 * theta
        hess = (design * (p * (1 - p))[:, None]).T @ design / len(x) + 1e-4 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(theta[0]), float(theta[1])
