"""Two labellers on the same real passages: how far they agree, and what the adjudicator chose.

`data/second/<episode>.jsonl` holds a second labelling of every passage in `data/real/` (same
file, offset and length), made blind to the first from `data/LABELLING.md`; where the two
disagree, `adjudicated` is the label a third reader chose. Agreement between labellers is the
ceiling a model can be measured against: `python -m scoring.agreement [--json]`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import DATA_DIR, real_files
from .labels import LABELS, NONE_LABEL
from .metrics import evaluate_predictions
from .report_output import print_report

SECOND_SUBDIR = "second"
PassageKey = tuple[str, int, int]  # transcript file, offset, length


@dataclass(frozen=True)
class LabelSets:
    """The labels of the real passages in `data/real/` order: first, second and adjudicated."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    adjudicated: tuple[str, ...]  # the first label where both agree, else the adjudicator's
    episodes: tuple[str, ...]


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        for field in ("label", "adjudicated"):
            if field in row and row[field] not in LABELS:
                raise ValueError(f"{path}:{lineno}: unknown {field} {row[field]!r}")
        rows.append(row)
    return rows


def _key(row: dict[str, Any]) -> PassageKey:
    return (str(row["file"]), int(row["offset"]), int(row["length"]))


def load_label_sets(data_dir: Path = DATA_DIR) -> LabelSets:
    """Pair every first label with its second label; a missing or unpaired passage is an error."""
    first: list[str] = []
    second: list[str] = []
    adjudicated: list[str] = []
    episodes: list[str] = []
    for path in real_files(data_dir):
        other_path = data_dir / SECOND_SUBDIR / path.name
        if not other_path.exists():
            raise FileNotFoundError(f"{path.name} has no second labelling ({other_path})")
        others = {_key(row): row for row in _rows(other_path)}
        mine = _rows(path)
        if len(others) != len(mine):
            raise ValueError(f"{other_path}: {len(others)} passages, {path}: {len(mine)}")
        for row in mine:
            other = others.get(_key(row))
            if other is None:
                raise ValueError(f"{other_path}: no second label for {_key(row)}")
            a, b = str(row["label"]), str(other["label"])
            if a != b and "adjudicated" not in other:
                raise ValueError(f"{other_path}: {_key(row)} disagrees and is not adjudicated")
            first.append(a)
            second.append(b)
            adjudicated.append(a if a == b else str(other["adjudicated"]))
            episodes.append(str(row.get("episode", path.stem)))
    return LabelSets(tuple(first), tuple(second), tuple(adjudicated), tuple(episodes))


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Agreement beyond chance: (observed - expected) / (1 - expected); 1.0 if both are constant."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two label lists of the same, non-zero length")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((a.count(label) / n) * (b.count(label) / n) for label in set(a) | set(b))
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


def agreement(reference: Sequence[str], other: Sequence[str]) -> dict[str, Any]:
    """How well `other` matches `reference`: the model's metrics plus kappa, on labels and gate."""
    report = evaluate_predictions(reference, other, LABELS)
    moment_ref = ["moment" if x != NONE_LABEL else NONE_LABEL for x in reference]
    moment_other = ["moment" if x != NONE_LABEL else NONE_LABEL for x in other]
    return {
        "n": len(reference),
        "macro_f1": round(report.macro_f1, 4),
        "accuracy": round(report.accuracy, 4),
        "kappa": round(cohen_kappa(reference, other), 4),
        "none_recall": round(report.per_class[NONE_LABEL].recall, 4)
        if NONE_LABEL in report.per_class
        else None,
        "moment_or_none_kappa": round(cohen_kappa(moment_ref, moment_other), 4),
        "per_class_f1": {label: round(s.f1, 4) for label, s in report.per_class.items()},
    }


def adjudication(sets: LabelSets) -> dict[str, int]:
    """How the disagreements were settled: for the first label, the second or neither."""
    split = [
        (a, b, c)
        for a, b, c in zip(sets.first, sets.second, sets.adjudicated, strict=True)
        if a != b
    ]
    return {
        "disagreements": len(split),
        "first": sum(c == a for a, _, c in split),
        "second": sum(c == b for _, b, c in split),
        "neither": sum(c not in (a, b) for a, b, c in split),
    }


def labeller_report(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Second labeller against the first, both against the adjudicated labels, and the counts."""
    sets = load_label_sets(data_dir)
    return {
        "episodes": len(set(sets.episodes)),
        "second_vs_first": agreement(sets.first, sets.second),
        "first_vs_second": agreement(sets.second, sets.first),
        "first_vs_adjudicated": agreement(sets.adjudicated, sets.first),
        "second_vs_adjudicated": agreement(sets.adjudicated, sets.second),
        "adjudication": adjudication(sets),
        "counts": {
            name: {label: labels.count(label) for label in LABELS}
            for name, labels in (
                ("first", sets.first),
                ("second", sets.second),
                ("adjudicated", sets.adjudicated),
            )
        },
    }


def model_against_labellers(
    predictions: Sequence[str], sets: LabelSets
) -> dict[str, dict[str, Any]]:
    """Held-out predictions (in `data/real/` order) scored against each labelling."""
    if len(predictions) != len(sets.first):
        raise ValueError(f"{len(predictions)} predictions for {len(sets.first)} passages")
    return {
        name: agreement(labels, predictions)
        for name, labels in (
            ("first", sets.first),
            ("second", sets.second),
            ("adjudicated", sets.adjudicated),
        )
    }


def format_report(result: dict[str, Any]) -> str:
    """The readable agreement table."""
    lines = [
        f"{result['second_vs_first']['n']} real passages of {result['episodes']} episodes, "
        "two labellers",
        "",
        f"{'':26}{'macro-F1':>9}{'kappa':>7}{'accuracy':>9}{'gate kappa':>11}",
    ]
    for name in ("second_vs_first", "first_vs_adjudicated", "second_vs_adjudicated"):
        row = result[name]
        lines.append(
            f"{name.replace('_', ' '):26}{row['macro_f1']:>9.3f}{row['kappa']:>7.3f}"
            f"{row['accuracy']:>9.3f}{row['moment_or_none_kappa']:>11.3f}"
        )
    adj = result["adjudication"]
    lines += [
        "",
        f"{adj['disagreements']} disagreements: the adjudicator chose the first label "
        f"{adj['first']} times, the second {adj['second']}, neither {adj['neither']}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        result = labeller_report(args.data_dir)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"scoring.agreement: {exc}") from exc
    print_report(result, args.json, format_report)


if __name__ == "__main__":
    main()
