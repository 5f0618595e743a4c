"""Scores that mean something on whole real episodes (the committed model, real transcripts).

Times are estimated from word counts (`scoring.rank_eval`), as for any untimed transcript.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from podclip.scoring.classifier import get_classifier
from podclip.scoring.rank_eval import load_transcript, to_segments
from podclip.scoring.scorer import score_episode

pytestmark = pytest.mark.slow
LABELS = Path(__file__).resolve().parents[2] / "scoring" / "data" / "real"
SECOND = LABELS.parent / "second"  # the blind second labelling (scoring.agreement)


@pytest.mark.xfail(
    strict=True,
    reason="issue 13 bar not met yet: the top six of an hour are the top 0.1 % of its windows, "
    "labelled moments about 90 % of the time, and the calibrated head puts them all within a "
    "few points (episode 20: 88-92, std 1.4); see scoring/README.md, Limits",
)
def test_top_clips_of_a_real_episode_are_spread_out(shared_data: Path) -> None:
    transcript = load_transcript(shared_data / "transcripts" / "rev16-train" / "20.turns.txt")
    clips = score_episode(to_segments(transcript))
    scores = [c.shareability_score for c in clips]
    assert len(scores) == 6
    assert statistics.pstdev(scores) >= 5.0, scores
    assert min(scores) < 95.0, scores  # not "every clip 99-100"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.xfail(
    strict=True,
    reason="issue 13 bar not met yet: the head scores ordinary talk that both labellers call "
    "none (filler talk, not ads) up to 85 (its other five clips 63-71)",
)
def test_an_episode_with_nothing_worth_posting_scores_low(
    shared_data: Path, tmp_path: Path
) -> None:
    """One episode's passages that both labellers call `none`: intro, plugs, banter, filler."""
    second = {(r["offset"], r["length"]): r["label"] for r in _rows(SECOND / "23.jsonl")}
    rows = _rows(LABELS / "23.jsonl")
    source = (shared_data / "transcripts" / "rev16-train" / "23.turns.txt").read_text("utf-8")
    parts = []
    for row in sorted(rows, key=lambda r: int(r["offset"])):
        if row["label"] == "none" and second[(row["offset"], row["length"])] == "none":
            text = source[row["offset"] : row["offset"] + row["length"]]
            parts.append(text if text.startswith("[speaker") else "[speaker 0] " + text)
    dull = tmp_path / "dull.turns.txt"
    dull.write_text("\n\n".join(parts), encoding="utf-8")
    transcript = load_transcript(dull)
    assert transcript.tokens[-1].end > 15 * 60  # a real episode's length of nothing
    clips = score_episode(to_segments(transcript))
    assert clips
    assert max(c.shareability_score for c in clips) < 40.0, [c.shareability_score for c in clips]


def test_a_real_episode_keeps_its_clips(shared_data: Path) -> None:
    """The guard leaves talk like the training data alone: the same clips, the same scores."""
    segments = to_segments(
        load_transcript(shared_data / "transcripts" / "rev16-train" / "20.turns.txt")
    )
    classifier = get_classifier()
    assert classifier.domain is not None
    guarded = score_episode(segments, classifier=classifier)
    bare = score_episode(segments, classifier=replace(classifier, domain=None))
    # Every stretch of a real episode lies inside the training spread: nothing moves.
    assert [(c.start, c.end, c.shareability_score) for c in guarded] == [
        (c.start, c.end, c.shareability_score) for c in bare
    ]
