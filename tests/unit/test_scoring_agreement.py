"""Agreement between two labellers: Cohen's kappa and the per-label comparison."""

from __future__ import annotations

import pytest

from podclip.scoring.agreement import agreement, cohen_kappa


def test_kappa_of_a_hand_worked_example() -> None:
    # observed 3/4; expected 1/2 x 1/4 + 1/2 x 3/4 = 1/2; kappa (0.75 - 0.5) / 0.5
    assert cohen_kappa(["x", "x", "y", "y"], ["x", "y", "y", "y"]) == pytest.approx(0.5)


def test_kappa_is_one_for_identical_labels_and_zero_at_chance() -> None:
    labels = ["none", "how_to", "none", "strong_opinion"]
    assert cohen_kappa(labels, labels) == pytest.approx(1.0)
    assert cohen_kappa(["none"] * 3, ["none"] * 3) == 1.0
    # Independent halves: observed 1/2, expected 1/2.
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)


def test_kappa_refuses_lists_of_different_length() -> None:
    with pytest.raises(ValueError, match="same"):
        cohen_kappa(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        cohen_kappa([], [])


def test_agreement_scores_the_labels_and_the_moment_gate() -> None:
    reference = ["none", "none", "how_to", "strong_opinion"]
    other = ["none", "how_to", "how_to", "none"]
    result = agreement(reference, other)
    assert result["n"] == 4
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["none_recall"] == pytest.approx(0.5)
    # gate: reference none,none,moment,moment; other none,moment,moment,none -> chance
    assert result["moment_or_none_kappa"] == pytest.approx(0.0)
    # per label F1 over the reference's labels: none 1/2, how_to 2/3, strong_opinion 0
    assert result["per_class_f1"] == {
        "how_to": pytest.approx(0.6667, abs=1e-4),
        "strong_opinion": 0.0,
        "none": pytest.approx(0.5),
    }
    assert result["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 3, abs=1e-4)
