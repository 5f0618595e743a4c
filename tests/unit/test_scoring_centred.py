"""Evidence shared by the windows cut around one stretch of talk (shareability.py)."""

from __future__ import annotations

import numpy as np
import pytest

from podclip.scoring.shareability import (
    CENTRE_HALF_WIDTH_S,
    centred_mean,
    moment_logit,
    raw_score,
)


def test_moment_logit_is_the_logit_of_a_moment_and_stays_finite() -> None:
    z = moment_logit([0.5, 0.1, 0.0, 1.0])
    assert z[0] == pytest.approx(0.0)
    assert z[1] == pytest.approx(np.log(0.9 / 0.1))
    assert np.isfinite(z).all()
    assert z[2] == pytest.approx(-z[3])


def test_windows_with_one_centre_share_their_evidence() -> None:
    # Three cuts of one stretch (centre 30 s) and one stretch two minutes later.
    starts = [20.0, 10.0, 0.0, 150.0]
    ends = [40.0, 50.0, 60.0, 180.0]
    out = centred_mean([6.0, -1.0, -2.0, 4.0], starts, ends)
    assert out[:3] == pytest.approx([1.0, 1.0, 1.0])
    assert out[3] == pytest.approx(4.0)  # nothing near it: its own evidence


def test_a_lone_cut_that_reads_as_a_moment_is_pulled_to_its_neighbours() -> None:
    # Windows every 2 s along ordinary talk, one of which the head happens to like.
    starts = np.arange(0.0, 200.0, 2.0)
    ends = starts + 30.0
    z = np.full(len(starts), -3.0)
    z[50] = 6.0
    out = centred_mean(z, starts, ends)
    assert out[50] < 0.0
    assert out[0] == pytest.approx(-3.0)
    near = np.abs((starts + ends) / 2 - (starts[50] + ends[50]) / 2) <= CENTRE_HALF_WIDTH_S
    assert np.all(out[near] > -3.0)
    assert np.all(out[~near] == pytest.approx(-3.0))


def test_order_of_windows_does_not_matter() -> None:
    rng = np.random.default_rng(3)
    starts = rng.uniform(0, 600, 200)
    ends = starts + rng.uniform(15, 90, 200)
    z = rng.normal(0, 2, 200)
    order = rng.permutation(200)
    whole = centred_mean(z, starts, ends)
    assert centred_mean(z[order], starts[order], ends[order]) == pytest.approx(whole[order])


def test_rows_of_probabilities_stay_distributions() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6]])
    out = centred_mean(probs, [0.0, 2.0, 300.0], [30.0, 32.0, 330.0])
    assert out[0] == pytest.approx([0.4, 0.25, 0.35])
    assert out[1] == pytest.approx(out[0])
    assert out[2] == pytest.approx(probs[2])
    assert out.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0])


def test_no_windows_and_zero_width() -> None:
    assert len(centred_mean([], [], [])) == 0
    z = [1.0, 2.0]
    assert centred_mean(z, [0.0, 1.0], [10.0, 11.0], half_width_s=0.0) == pytest.approx(z)


def test_a_stretch_that_reads_as_a_moment_outscores_one_that_does_not() -> None:
    hook, whole, fit = [0.8, 0.8], [1.0, 1.0], [1.0, 1.0]
    z = centred_mean([4.0, 4.0, -3.0, -3.0], [0.0, 4.0, 300.0, 304.0], [40.0, 44.0, 340.0, 344.0])
    raw = raw_score(z[[0, 2]], hook, whole, fit)
    assert raw[0] > raw[1]
