"""`python -m scoring.evaluate --real` validates the committed head's own recipe.

The real passages of three episodes and a slice of the written texts, with stand-in encoders
(the committed head, its feature layout): the wiring, not the figures, is under test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from podclip.scoring.classifier import Classifier, load_committed_head
from podclip.scoring.context_encoder import ENCODER_ID
from podclip.scoring.dataset import DATA_DIR, REAL_SUBDIR, written_files
from podclip.scoring.evaluate import run_real_evaluation
from podclip.scoring.labels import LABELS
from podclip.scoring.train import load_embedding_cache
from tests.support.scoring_doubles import HashContext, HashEmbedder

EPISODES = ("10", "11", "20")
WRITTEN_PER_FILE = 10


def small_data_dir(root: Path) -> Path:
    for path in written_files(DATA_DIR):
        rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        train = [r for r in rows if json.loads(r).get("split", "train") == "train"]
        (root / path.name).write_text("\n".join(train[:WRITTEN_PER_FILE]) + "\n", "utf-8")
    for sub in (REAL_SUBDIR, "second"):
        (root / sub).mkdir()
        for episode in EPISODES:
            shutil.copy(DATA_DIR / sub / f"{episode}.jsonl", root / sub / f"{episode}.jsonl")
    return root


def test_real_validation_uses_the_heads_features(shared_data: Path, tmp_path: Path) -> None:
    head = load_committed_head()
    if head is None:
        pytest.skip("no committed weights (run python -m scoring.train)")
    classifier = Classifier(HashEmbedder(), head, "stand-in", HashContext())  # type: ignore[arg-type]
    cache = tmp_path / "vectors.npz"
    data_dir = small_data_dir(tmp_path)
    out = run_real_evaluation(data_dir, shared_data, classifier=classifier, embedding_cache=cache)
    assert out["features"] == {"width": int(head.mean.shape[0]), "context_encoder": ENCODER_ID}
    assert out["model_version"] == "stand-in"
    assert out["episodes"] == list(EPISODES)
    lines = [(DATA_DIR / REAL_SUBDIR / f"{e}.jsonl").read_text("utf-8") for e in EPISODES]
    passages = sum(1 for text in lines for line in text.splitlines() if line.strip())
    assert out["n"] == len(out["predictions"]) == passages
    assert set(out["predictions"]) <= set(LABELS)
    assert 0.0 <= out["macro_f1"] <= 1.0 and 0.0 <= out["ece"] <= 1.0
    assert set(out["baselines"]) == {"keyword_rules", "zero_shot_prototypes", "written_only_head"}
    assert set(out["labellers"]) == {"first", "second", "adjudicated"}
    # The sentence vectors are kept for the next run: every one the embedder gave.
    kept = load_embedding_cache(cache)
    assert len(kept) > passages
    texts = list(kept)[:50]
    assert np.array_equal(np.stack([kept[t] for t in texts]), HashEmbedder().embed(texts))
