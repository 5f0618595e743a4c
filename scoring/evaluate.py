"""Evaluate the committed model and two baselines: `python -m scoring.evaluate`.

Default data: the validation split of `scoring/data/*.jsonl`. `--data FILE.jsonl` evaluates
any file of the same form (only `text` and `label` are needed; every line is used). `--json`
prints the report as JSON: `macro_f1` (over the labels present in the file), `per_class`,
`confusion`, `baselines` (keyword rules and zero-shot prototypes, each with its `macro_f1`)
and `predictions` (the model's label for each input line, in order).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .baselines import keyword_label, prototype_texts, zero_shot_labels
from .classifier import (
    MODEL_VERSION,
    get_classifier,
    labels_of,
    read_sidecar,
    text_features,
)
from .dataset import DATA_DIR, Example, data_files, load_examples, read_jsonl
from .embedder import EMBEDDING_DIM
from .labels import LABELS
from .metrics import Report, evaluate_predictions

logger = logging.getLogger(__name__)


def run_evaluation(examples: Sequence[Example], threads: int | None = None) -> dict[str, Any]:
    """Model and baseline predictions and scores for labelled texts."""
    classifier = get_classifier(threads)
    texts = [e.text for e in examples]
    gold = [e.label for e in examples]
    features = text_features(texts, classifier.embed)
    predictions = labels_of(classifier.proba(features))
    prototypes = classifier.embed(prototype_texts())
    zero_shot = zero_shot_labels(features[:, :EMBEDDING_DIM], prototypes)
    keywords = [keyword_label(t) for t in texts]
    report = evaluate_predictions(gold, predictions, LABELS)
    return {
        "model_version": MODEL_VERSION,
        "n": len(examples),
        **_report_dict(report),
        "baselines": {
            "keyword_rules": _report_dict(evaluate_predictions(gold, keywords, LABELS)),
            "zero_shot_prototypes": _report_dict(evaluate_predictions(gold, zero_shot, LABELS)),
        },
        "predictions": predictions,
    }


def _report_dict(report: Report) -> dict[str, Any]:
    return {
        "macro_f1": round(report.macro_f1, 4),
        "accuracy": round(report.accuracy, 4),
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
    }


def format_report(result: dict[str, Any]) -> str:
    """Readable tables: summary, per-class side by side, and the model's confusion matrix."""
    base = result["baselines"]
    lines = [
        f"model {result['model_version']} on {result['n']} texts",
        "",
        f"{'':24}{'model':>10}{'keywords':>10}{'zero-shot':>10}",
        f"{'macro-F1':24}{result['macro_f1']:>10.3f}"
        f"{base['keyword_rules']['macro_f1']:>10.3f}"
        f"{base['zero_shot_prototypes']['macro_f1']:>10.3f}",
        f"{'accuracy':24}{result['accuracy']:>10.3f}"
        f"{base['keyword_rules']['accuracy']:>10.3f}"
        f"{base['zero_shot_prototypes']['accuracy']:>10.3f}",
        "",
        f"{'label':22}{'n':>4}  {'P':>6}{'R':>6}{'F1':>6}   {'kw F1':>6}{'zs F1':>6}",
    ]
    for label, s in result["per_class"].items():
        kw = base["keyword_rules"]["per_class"][label]["f1"]
        zs = base["zero_shot_prototypes"]["per_class"][label]["f1"]
        lines.append(
            f"{label:22}{s['support']:>4}  {s['precision']:>6.2f}{s['recall']:>6.2f}"
            f"{s['f1']:>6.2f}   {kw:>6.2f}{zs:>6.2f}"
        )
    conf = result["confusion"]
    short = [label[:6] for label in conf["labels"]]
    lines += [
        "",
        "confusion (rows gold, columns predicted)",
        " " * 22 + "".join(f"{s:>7}" for s in short),
    ]
    for label, row in zip(conf["labels"], conf["matrix"], strict=True):
        lines.append(f"{label:22}" + "".join(f"{v:>7}" for v in row))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description="Evaluate the moment classifier and baselines.")
    parser.add_argument("--data", type=Path, help="a .jsonl file with text and label per line")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: cores)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    if args.data:
        examples = read_jsonl(args.data)
    else:
        examples = [e for e in load_examples(data_files(DATA_DIR)) if e.split == "validation"]
    if not examples:
        raise SystemExit("no examples to evaluate")
    result = run_evaluation(examples, args.threads)
    sidecar = read_sidecar()
    if sidecar:
        result["data_sha256_trained_on"] = sidecar.get("data_sha256")
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_report(result))


if __name__ == "__main__":
    main()
