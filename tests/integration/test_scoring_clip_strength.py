"""The clip-strength ratings of the real moments (`data/strength/ratings.jsonl`)."""

from __future__ import annotations

import json

from podclip.scoring.dataset import real_files
from podclip.scoring.rank_eval import STRENGTH_FILE, read_strengths, with_strengths


def test_every_labelled_real_moment_is_rated_by_two_raters() -> None:
    moments = [
        row
        for path in real_files()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and (row := json.loads(line))["label"] != "none"
    ]
    rows = [json.loads(line) for line in STRENGTH_FILE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(moments) >= 200
    assert all(len(r["strength"]) == len(r["why"]) == 2 for r in rows)
    assert all(1 <= s <= 5 for r in rows for s in r["strength"])
    rated = with_strengths(moments, read_strengths())
    assert all(r["strength"] is not None for r in rated)
    # The raters used the scale, not one value.
    assert len({s for r in rows for s in r["strength"]}) >= 4
