"""Evaluate the committed model and two baselines: `python -m scoring.evaluate`.

Default data: the validation split of `scoring/data/*.jsonl`. `--data FILE.jsonl` evaluates
any file of the same form (only `text` and `label` are needed; every line is used), or of the
real passages' form (`label` with `file`, `offset`, `length` into the shared transcripts); a
`[speaker N]` marker or a line opening with a speaker label (`Speaker 2:`, `Host:`, a name)
starts a speaker turn, as in the transcripts, and time stamps are taken out. `--json`
prints the report as JSON: `macro_f1` (over the labels present in the file), `per_class`,
`confusion`, `baselines` (keyword rules and zero-shot prototypes, each with its `macro_f1`)
and `predictions` (the model's label for each input line, in order).

`--real` validates on the real passages leave-one-episode-out, exactly as training does (the
heads are refitted per held-out episode; the `none` bias and the calibration are chosen inside
the training folds). Its JSON adds `none_recall`, `ece` (expected calibration error of the
0-100 score against "labelled a moment"), `reliability` (the table behind it) and `features`
(the width of the validated features and the context encoder they include); its
`baselines` add `written_only_head`, the recipe of the model before real data (MiniLM + a
head trained on the written texts alone), next to the keyword rules and zero-shot prototypes.
Where `data/second/` holds a second labelling (`scoring.agreement`), `labellers` scores the
same held-out predictions against the first, second and adjudicated labels, and
`labeller_agreement` is the second labeller against the first: the ceiling to read them by.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .agreement import SECOND_SUBDIR, agreement, load_label_sets, model_against_labellers
from .baselines import keyword_label, prototype_texts, zero_shot_labels
from .classifier import (
    MODEL_VERSION,
    Classifier,
    get_classifier,
    labels_of,
    read_sidecar,
    turns_features,
)
from .context_encoder import ENCODER_ID
from .dataset import DATA_DIR, Example, data_files, load_examples, read_jsonl
from .embedder import EMBEDDING_DIM
from .labels import LABELS, NONE_LABEL
from .metrics import Report, evaluate_predictions
from .report_output import print_report

logger = logging.getLogger(__name__)
# The L2 of the written-only model (`minilm-l6-head-a35027ca9d`), reproduced as a baseline.
WRITTEN_ONLY_L2 = 0.1


def run_evaluation(examples: Sequence[Example], threads: int | None = None) -> dict[str, Any]:
    """Model and baseline predictions and scores for labelled texts."""
    classifier = get_classifier(threads)
    texts = [e.text for e in examples]
    gold = [e.label for e in examples]
    # Speaker turns (from `[speaker N]` markers or a cited passage) feed the turn feature.
    turns = [e.speaker_turns() for e in examples]
    features = turns_features(turns, classifier.embed, classifier.encode_context)
    predictions = labels_of(classifier.span_proba(features))
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


def run_real_evaluation(
    data_dir: Path = DATA_DIR,
    shared_dir: Path | None = None,
    threads: int | None = None,
    classifier: Classifier | None = None,
    embedding_cache: Path | None = None,
) -> dict[str, Any]:
    """Leave-one-episode-out on the real passages: the model, two baselines, today's recipe.

    The model's recipe is the committed head's (or `classifier`'s): its features, with the
    context block when the head reads one. `embedding_cache` is `scoring.train`'s sentence
    vector file, read and then extended, so a rerun embeds only sentences it has not seen.
    """
    import numpy as np

    from . import train as training

    _, rows, _, real = training.load_training_data(data_dir, shared_dir, training.SEED)
    classifier = classifier or get_classifier(threads)
    vectors = training.load_embedding_cache(embedding_cache)
    embed = training.cached_embed(classifier.embed, vectors)
    data = training.build_training_set(rows, real, embed, classifier.encode_context)
    training.save_embedding_cache(embedding_cache, vectors)
    width = int(classifier.head.mean.shape[0])
    if data.real.shape[1] != width:
        raise RuntimeError(
            f"validation features are {data.real.shape[1]} wide, the head reads {width}"
        )
    result, _ = training.validate(data)
    gold = data.gold
    # The written-only baseline is the recipe from before real data: MiniLM and cues only, one
    # fit at the L2 of that time (0.1).
    plain = (
        training.build_training_set(rows, real, embed, None) if classifier.encode_context else data
    )
    no_real = np.zeros(len(real), dtype=np.bool_)
    written_only = training.argmax_labels(
        training.predict_proba(
            training.fit_one(plain, no_real, WRITTEN_ONLY_L2, training.SEED), plain.real
        )
    )
    prototypes = classifier.embed(prototype_texts())
    zero_shot = zero_shot_labels(data.real[:, :EMBEDDING_DIM], prototypes)
    keywords = [keyword_label(e.text) for e in real]
    baselines = {}
    for name, predicted in (
        ("keyword_rules", keywords),
        ("zero_shot_prototypes", zero_shot),
        ("written_only_head", written_only),
    ):
        report = evaluate_predictions(gold, predicted, LABELS)
        baselines[name] = {
            **_report_dict(report),
            "none_recall": round(report.per_class[NONE_LABEL].recall, 4),
        }
    out = {
        "model_version": classifier.version,
        "validation": "leave-one-episode-out over the real episodes",
        "episodes": sorted(set(data.episodes.tolist()), key=lambda e: (len(e), e)),
        "features": {
            "width": width,
            "context_encoder": ENCODER_ID if classifier.encode_context else None,
        },
        **result,
        "baselines": baselines,
    }
    if (data_dir / SECOND_SUBDIR).is_dir():
        sets = load_label_sets(data_dir)
        out["labellers"] = model_against_labellers(result["predictions"], sets)
        out["labeller_agreement"] = agreement(sets.first, sets.second)
    return out


def format_real_report(result: dict[str, Any]) -> str:
    """The readable `--real` report: model vs baselines, per class, reliability table."""
    base = result["baselines"]
    names = ("keyword_rules", "zero_shot_prototypes", "written_only_head")
    widths = (10, 10, 9)
    lines = [
        f"leave-one-episode-out over {len(result['episodes'])} real episodes, "
        f"{result['n']} passages",
        "",
        f"{'':16}{'model':>8}{'keywords':>10}{'zero-shot':>10}{'written':>9}",
        f"{'macro-F1':16}{result['macro_f1']:>8.3f}"
        + "".join(f"{base[n]['macro_f1']:>{w}.3f}" for n, w in zip(names, widths, strict=True)),
        f"{'none recall':16}{result['none_recall']:>8.3f}"
        + "".join(f"{base[n]['none_recall']:>{w}.3f}" for n, w in zip(names, widths, strict=True)),
        f"{'ECE':16}{result['ece']:>8.3f}",
        "",
        f"{'label':22}{'n':>4}  {'P':>6}{'R':>6}{'F1':>6}",
    ]
    for label, s in result["per_class"].items():
        lines.append(
            f"{label:22}{s['support']:>4}  {s['precision']:>6.2f}{s['recall']:>6.2f}{s['f1']:>6.2f}"
        )
    lines += ["", f"{'score':8}{'n':>5}{'mean':>8}{'moments':>9}"]
    for row in result["reliability"]:
        lines.append(
            f"{row['bin']:8}{row['n']:>5}{row['mean_score']:>8.1f}{row['share_moments']:>9.2f}"
        )
    if "labellers" in result:
        lines += ["", f"{'model against':18}{'macro-F1':>9}{'kappa':>7}{'none recall':>12}"]
        rows = [*result["labellers"].items(), ("(labeller 2 vs 1)", result["labeller_agreement"])]
        for name, row in rows:
            lines.append(
                f"{name:18}{row['macro_f1']:>9.3f}{row['kappa']:>7.3f}{row['none_recall']:>12.3f}"
            )
    return "\n".join(lines)


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
    parser.add_argument(
        "--data", type=Path, help="a .jsonl file: label and text (or file, offset, length) per line"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: cores)")
    parser.add_argument(
        "--real", action="store_true", help="leave-one-episode-out on the real passages"
    )
    parser.add_argument(
        "--shared", type=Path, default=None, help="shared data folder (real transcripts)"
    )
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        default=None,
        help="with --real: scoring.train's sentence vector file, reused and extended",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    if args.real:
        real = run_real_evaluation(
            DATA_DIR, args.shared, args.threads, embedding_cache=args.embedding_cache
        )
        print_report(real, args.json, format_real_report)
        return
    if args.data:
        examples = read_jsonl(args.data, args.shared)
    else:
        examples = [e for e in load_examples(data_files(DATA_DIR)) if e.split == "validation"]
    if not examples:
        raise SystemExit("no examples to evaluate")
    result = run_evaluation(examples, args.threads)
    sidecar = read_sidecar()
    if sidecar:
        result["data_sha256_trained_on"] = sidecar.get("data_sha256")
    print_report(result, args.json, format_report)


if __name__ == "__main__":
    main()
