"""Text unlike anything the head was trained on does not earn a moment's score (domain.py).

The committed model, whole episodes through `score_episode`. The out-of-domain episode is the
Apache 2.0 licence shipped by an installed dependency, read by one speaker at the estimated
speaking rate of `scoring.rank_eval`; nothing in the guard was set on it.
"""

from __future__ import annotations

import importlib.metadata as md
from dataclasses import replace
from pathlib import Path

import pytest

from podclip.scoring.classifier import get_classifier
from podclip.scoring.rank_eval import load_transcript, to_segments
from podclip.scoring.scorer import score_episode
from podclip.scoring.types import Segment

pytestmark = pytest.mark.slow


def _apache_licence() -> str:
    for dist in ("prefect", "transformers"):
        for file in md.files(dist) or []:
            if file.name.upper().startswith("LICENSE"):
                text = Path(str(file.locate())).read_text(encoding="utf-8")
                if "Apache License" in text and "Version 2.0" in text:
                    return text
    raise AssertionError("no installed dependency ships the Apache 2.0 licence text")


def _read_aloud(text: str, tmp_path: Path) -> list[Segment]:
    path = tmp_path / "licence.turns.txt"
    path.write_text("[speaker 0] " + " ".join(text.split()) + "\n", encoding="utf-8")
    return to_segments(load_transcript(path))


def test_a_licence_read_aloud_gets_no_moment_score(tmp_path: Path) -> None:
    segments = _read_aloud(_apache_licence(), tmp_path)
    classifier = get_classifier()
    assert classifier.domain is not None
    guarded = [c.shareability_score for c in score_episode(segments, classifier=classifier)]
    bare = [
        c.shareability_score
        for c in score_episode(segments, classifier=replace(classifier, domain=None))
    ]
    assert len(guarded) == 6
    # Below "better than most of an episode" (a typical real passage scores 20-40).
    assert max(guarded) < 55, guarded
    assert max(guarded) < max(bare) - 15, (guarded, bare)
