"""The public surface the pipeline calls, and the scoring path with a stand-in embedder."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import podclip.scoring as scoring
from podclip.scoring import (
    CATEGORY_BY_TYPE,
    MODEL_VERSION,
    MOMENT_TYPES,
    ScoringOptions,
    build_windows,
    score_episode,
    scorer,
    select_moments,
)
from podclip.scoring.classifier import Classifier, load_committed_head
from podclip.scoring.explain import HOOK_MAX_CHARS
from podclip.scoring.scorer import score_with
from podclip.scoring.types import Window
from tests.support.scoring_doubles import HashContext, HashEmbedder, make_segments


def test_public_names() -> None:
    for name in (
        "MODEL_VERSION",
        "build_windows",
        "score_windows",
        "select_moments",
        "score_episode",
        "CATEGORY_BY_TYPE",
        "MOMENT_TYPES",
    ):
        assert hasattr(scoring, name)
    assert MOMENT_TYPES == (
        "bold_prediction",
        "contrarian_take",
        "emotional_story",
        "how_to",
        "quotable_one_liner",
        "host_guest_debate",
        "strong_opinion",
        "founder_reveal",
    )
    assert set(MOMENT_TYPES) <= set(CATEGORY_BY_TYPE)
    assert CATEGORY_BY_TYPE["bold_prediction"] == "Bold/Contrarian"
    assert MODEL_VERSION.startswith("minilm-gemma7-head-")


def test_signatures() -> None:
    assert list(inspect.signature(build_windows).parameters) == ["segments", "options"]
    assert list(inspect.signature(scoring.score_windows).parameters) == ["windows", "options"]
    assert list(inspect.signature(select_moments).parameters) == [
        "scored",
        "options",
        "count",
        "avoid",
    ]
    episode = inspect.signature(score_episode).parameters
    assert list(episode) == ["segments", "options", "count", "classifier"]
    # The pipeline calls it with three arguments; the classifier is for evaluation only.
    assert episode["classifier"].default is None
    defaults = ScoringOptions()
    assert (defaults.min_window_s, defaults.max_window_s) == (15.0, 90.0)
    assert (defaults.clip_count, defaults.min_clips, defaults.max_clips) == (6, 4, 9)


def test_import_is_light_and_self_contained() -> None:
    code = (
        "import sys, scoring; "
        "bad = [m for m in ('torch', 'transformers', 'prefect', 'podclip') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


@pytest.fixture(scope="module")
def fake_classifier() -> Classifier:
    head = load_committed_head()
    if head is None:
        pytest.skip("no committed weights yet (run python -m scoring.train)")
    return Classifier(HashEmbedder(), head, MODEL_VERSION, HashContext())  # type: ignore[arg-type]


def test_scoring_path_with_stand_in_embedder(fake_classifier: Classifier) -> None:
    segments = make_segments(600)
    windows = build_windows(segments)
    scored = score_with(fake_classifier, windows, ScoringOptions())
    assert len(scored) == len(windows)
    for w, m in zip(windows, scored, strict=True):
        assert (m.start, m.end, m.text) == (w.start, w.end, w.text)
        assert 0.0 <= m.shareability_score <= 100.0
        assert m.moment_type in MOMENT_TYPES
        assert m.category == CATEGORY_BY_TYPE[m.moment_type]
        assert m.pull_quote in m.text
        assert 0 < len(m.hook) <= HOOK_MAX_CHARS
        assert m.reason.endswith(".")
        assert sum(m.type_probabilities.values()) == pytest.approx(1.0, abs=1e-3)
        assert m.model_version == MODEL_VERSION
    picked = select_moments(scored)
    assert len(picked) == ScoringOptions().clip_count


def test_windows_are_classified_in_blocks_with_the_same_result(
    fake_classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long episode's windows go through the head in blocks; the blocks change nothing."""
    windows = build_windows(make_segments(600))
    whole = score_with(fake_classifier, windows, ScoringOptions())
    monkeypatch.setattr(scorer, "WINDOW_BLOCK", 7)
    assert len(windows) > 3 * scorer.WINDOW_BLOCK
    assert score_with(fake_classifier, windows, ScoringOptions()) == whole
    assert score_with(fake_classifier, [], ScoringOptions()) == []


def test_hand_made_windows_score(fake_classifier: Classifier) -> None:
    windows = [
        Window(0.0, 20.0, ("Start today.", "Write it down.")),
        Window(5.0, 30.0, ("Thanks for having me.",), speakers=("A",)),
        Window(40.0, 60.0, ("Start today.", "We will win by 2030.")),
    ]
    scored = score_with(fake_classifier, windows, ScoringOptions())
    assert [m.text for m in scored] == [w.text for w in windows]


def test_cuts_of_one_stretch_share_their_type_probabilities(fake_classifier: Classifier) -> None:
    """A window's probabilities and score move towards the windows centred near it, only those."""
    lines = ("Start today.", "Write it down.")
    other = ("Thanks for having me.", "Can you hear me okay?")
    alone = Window(500.0, 530.0, lines)  # the same text, with no window near it
    opts = ScoringOptions()
    base = score_with(fake_classifier, [Window(0.0, 30.0, lines), alone], opts)
    assert base[0].shareability_score == base[1].shareability_score
    near = Window(3.0, 33.0, other)  # centre 3 s away: the same stretch, cut differently
    far = Window(100.0, 130.0, other)
    with_near = score_with(fake_classifier, [Window(0.0, 30.0, lines), alone, near], opts)
    with_far = score_with(fake_classifier, [Window(0.0, 30.0, lines), alone, far], opts)
    assert with_far[0].shareability_score == with_far[1].shareability_score
    assert with_far[0].type_probabilities == with_far[1].type_probabilities
    # Near, the two cuts report the mean of their own distributions (`far` shows the other's).
    own, neighbour = with_far[0].type_probabilities, with_far[2].type_probabilities
    assert own != neighbour
    for label, p in with_near[0].type_probabilities.items():
        assert p == pytest.approx((own[label] + neighbour[label]) / 2, abs=2e-4)
    assert with_near[2].type_probabilities == with_near[0].type_probabilities
    assert with_near[1].type_probabilities == own
    # A neighbour that reads more like a moment lifts it; one that reads less so lowers it.
    moved = with_near[0].shareability_score - with_near[1].shareability_score
    assert moved != 0.0
    assert (moved > 0) == (neighbour["none"] < own["none"])
