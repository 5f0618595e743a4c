"""Classification metrics without scikit-learn: per-class P/R/F1, macro-F1, confusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
