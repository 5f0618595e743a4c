"""Head training, weights files, data handling and metrics: numpy only, no MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from podclip.scoring.classifier import (
    SIDECAR_PATH,
    load_committed_head,
    model_version,
    read_sidecar,
)
from podclip.scoring.dataset import (
    Example,
    asr_bare,
    asr_lower,
    augment,
    data_files,
    data_hash,
    read_jsonl,
)
from podclip.scoring.head import FitSettings, fit_head, load_head, save_head
from podclip.scoring.labels import LABELS
from podclip.scoring.metrics import evaluate_predictions


def toy_data(n: int = 90, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centers = rng.normal(0, 3, size=(3, d))
    x = centers[y] + rng.normal(0, 1, size=(n, d))
    return x.astype(np.float32), y.astype(np.int64)


def test_head_learns_and_is_deterministic() -> None:
    x, y = toy_data()
    labels = ("a", "b", "c")
    settings = FitSettings(steps=300, seed=1)
    head = fit_head(x, y, labels, n_cues=2, settings=settings)
    again = fit_head(x, y, labels, n_cues=2, settings=settings)
    assert head.content_hash() == again.content_hash()
    probs = head.predict_proba(x)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs.argmax(axis=1) == y).mean() > 0.9


def test_head_round_trip(tmp_path: Path) -> None:
    x, y = toy_data()
    head = fit_head(x, y, ("a", "b", "c"), 0, FitSettings(steps=50)).with_calibration(1.5, -0.5)
    path = tmp_path / "head.npz"
    save_head(head, path)
    loaded = load_head(path)
    assert loaded.labels == head.labels
    assert loaded.content_hash() == head.content_hash()
    np.testing.assert_array_equal(loaded.predict_proba(x), head.predict_proba(x))
    assert model_version(loaded).startswith("minilm-l6-head-")


def test_metrics() -> None:
    gold = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "none"]
    report = evaluate_predictions(gold, pred, ("a", "b", "c", "none"))
    assert report.labels == ("a", "b", "c")
    assert report.per_class["a"].precision == 1.0
    assert report.per_class["a"].recall == 0.5
    assert report.per_class["b"].precision == pytest.approx(2 / 3)
    assert report.per_class["c"].f1 == 0.0
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8 + 0.0) / 3)
    assert report.confusion_labels == ("a", "b", "c", "none")
    assert report.confusion[0] == (1, 1, 0, 0)


def test_read_jsonl_needs_only_text_and_label(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    rows = [{"text": f"line {i}", "label": "none"} for i in range(10)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    examples = read_jsonl(path)
    assert [e.split for e in examples].count("validation") == 2  # every 5th line
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "label": "weird"}) + "\n")
    with pytest.raises(ValueError, match="unknown label"):
        read_jsonl(bad)


def test_transcript_like_variants() -> None:
    text = "Look, I'll say it. By 2030, solar wins—no question!"
    assert asr_lower(text) == "look i'll say it. by 2030 solar wins no question!"
    assert asr_bare(text) == "look i'll say it by 2030 solar wins no question"
    rows = augment([Example(text, "bold_prediction", group=0)], 1, ("asr_lower", "asr_bare"))
    assert len(rows) == 3
    assert {r.group for r in rows} == {0}
    assert augment([Example(text, "none", group=0)], 1, ("rechunk",)) == augment(
        [Example(text, "none", group=0)], 1, ("rechunk",)
    )


def test_data_hash_is_order_independent(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("1\n")
    b.write_text("2\n")
    assert data_hash([a, b]) == data_hash([b, a])


def test_committed_weights_match_data_and_sidecar() -> None:
    head = load_committed_head()
    sidecar = read_sidecar()
    if head is None or not sidecar:
        pytest.skip("no committed weights yet (run python -m scoring.train)")
    assert head.labels == LABELS
    assert sidecar["weights_sha256"] == head.content_hash()
    assert sidecar["model_version"] == model_version(head)
    files = data_files()
    if files:
        assert sidecar["data_sha256"] == data_hash(files), (
            f"weights in {SIDECAR_PATH.parent} were trained on other data: retrain"
        )
