"""The training-domain guard: trust from the distance to the training rows' subspace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from podclip.scoring.classifier import (
    load_committed_domain,
    load_committed_head,
    model_version,
    read_sidecar,
)
from podclip.scoring.domain import (
    TRUST_FLOOR,
    fit_domain,
    load_domain,
    save_domain,
    stretch_residual,
)

PRIOR = np.asarray([1.0, 1.0, 2.0])  # shares 0.25, 0.25, 0.5; the last column is `none`
NONE = 2


def _rows(n: int = 600, draws: int = 1, d: int = 40, rank: int = 5) -> np.ndarray:
    """Rows near one fixed `rank`-dimensional subspace of R^d, a little noise off it;
    `draws` picks which sample of such rows."""
    basis = np.linalg.qr(np.random.default_rng(0).normal(size=(d, rank)))[0].T
    rng = np.random.default_rng(draws)
    return rng.normal(size=(n, rank)) @ basis * 3.0 + rng.normal(scale=0.1, size=(n, d))


def test_rows_like_the_training_rows_are_trusted_and_others_are_not() -> None:
    rows = _rows()
    domain = fit_domain(rows, PRIOR, NONE, components=5)
    fresh = _rows(n=2000, draws=2)  # new rows from the same distribution
    trust = domain.trust(fresh)
    assert 0.0 < np.mean(trust < 1.0) < 0.03  # 1 % by construction
    off = fresh + np.random.default_rng(7).normal(scale=2.0, size=fresh.shape)
    assert np.all(domain.trust(off) == pytest.approx(TRUST_FLOOR))


def test_trust_falls_with_distance_and_stops_at_the_floor() -> None:
    rows = _rows()
    domain = fit_domain(rows, PRIOR, NONE, components=5)
    basis = domain.components.astype(np.float64)
    z = (rows[0] - domain.mean) * domain.scale
    on_plane = (z @ basis.T) @ basis
    u = np.random.default_rng(3).normal(size=rows.shape[1])
    u -= (u @ basis.T) @ basis
    u /= np.linalg.norm(u)
    distances = np.linspace(0.0, domain.threshold + 10 * domain.tail, 60)
    # Back from standardised units to feature units: a point `k` off the subspace.
    points = np.stack([(on_plane + k * u) / domain.scale + domain.mean for k in distances])
    assert domain.residual(points) == pytest.approx(distances, abs=1e-3)
    trust = domain.trust(points)
    assert np.all(trust[distances <= domain.threshold] == 1.0)
    assert np.all(np.diff(trust) <= 1e-12)
    assert trust[-1] == pytest.approx(TRUST_FLOOR)
    expected = np.maximum(np.exp(-(distances - domain.threshold) / domain.tail), TRUST_FLOOR)
    assert trust == pytest.approx(np.minimum(expected, 1.0), abs=1e-4)


def test_the_guard_takes_moment_evidence_away_and_never_adds_it() -> None:
    rows = _rows()
    domain = fit_domain(rows, PRIOR, NONE, components=5)
    assert domain.prior.tolist() == pytest.approx([0.25, 0.25, 0.5])
    probs = np.asarray([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6], [0.01, 0.01, 0.98], [0.3, 0.3, 0.4]])
    inside = rows[:4]
    # Full trust hands the head's distribution back bit for bit.
    head32 = probs.astype(np.float32)
    assert np.array_equal(domain.mix(head32, np.ones(4)), head32)
    far = inside + np.random.default_rng(1).normal(scale=5.0, size=inside.shape)
    guarded = domain.guard(probs, far)
    assert guarded.sum(axis=1) == pytest.approx(np.ones(4), abs=1e-6)
    # A confident moment falls most of the way to the prior's 0.5 `none` (trust at the floor).
    assert guarded[0, NONE] == pytest.approx(TRUST_FLOOR * 0.1 + (1 - TRUST_FLOOR) * 0.5)
    assert guarded[0, 0] / guarded[0, 1] == pytest.approx(2.0)  # types keep their proportions
    # A stretch read as `none` (more than the prior says) stays as the head read it.
    assert guarded[1] == pytest.approx(probs[1], abs=1e-6)
    assert guarded[2] == pytest.approx(probs[2], abs=1e-6)
    # Among rows all at the floor the order of the moment evidence is the head's own.
    assert np.argsort(guarded[:, NONE]).tolist() == np.argsort(probs[:, NONE]).tolist()


def test_mix_scales_with_trust() -> None:
    domain = fit_domain(_rows(), PRIOR, NONE, components=5)
    probs = np.tile([[0.45, 0.45, 0.1]], (3, 1))
    mixed = domain.mix(probs, np.asarray([1.0, 0.5, 0.0]))
    assert mixed[:, NONE] == pytest.approx([0.1, 0.3, 0.5])


def test_a_constant_column_does_not_count(tmp_path: Path) -> None:
    rows = _rows()
    rows[:, 0] = 4.0
    domain = fit_domain(rows, PRIOR, NONE, components=5)
    shifted = rows[:50].copy()
    shifted[:, 0] = 400.0  # a column that never varied in training carries nothing
    assert domain.residual(shifted) == pytest.approx(domain.residual(rows[:50]))
    save_domain(domain, tmp_path / "domain.npz")
    again = load_domain(tmp_path / "domain.npz")
    assert again.content_hash() == domain.content_hash()
    assert again.trust(rows[:20]) == pytest.approx(domain.trust(rows[:20]))


def test_the_committed_guard_matches_the_sidecar_and_the_version() -> None:
    head, domain, sidecar = load_committed_head(), load_committed_domain(), read_sidecar()
    if head is None or domain is None or not sidecar:
        pytest.skip("no committed weights yet (run python -m scoring.train)")
    assert sidecar["domain"]["sha256"] == domain.content_hash()
    assert sidecar["model_version"] == model_version(head, domain)
    assert model_version(head, domain) != model_version(head)
    assert domain.mean.shape == head.mean.shape


def test_a_stretch_is_judged_by_the_minutes_around_it() -> None:
    # An hour of 40 s windows starting every 2 s; one odd minute, and twenty odd minutes.
    starts = np.arange(0.0, 3600.0, 2.0)
    ends = starts + 40.0
    residual = np.full(len(starts), 10.0)
    residual[(starts >= 600.0) & (starts < 660.0)] = 50.0  # minute 10
    odd = (starts >= 1800.0) & (starts < 3000.0)  # minutes 30-50
    residual[odd] = 50.0
    stretch = stretch_residual(residual, starts, ends)
    assert np.all(stretch[starts < 1500.0] == 10.0)  # one odd minute is no odd stretch
    assert np.all(stretch[(starts >= 2100.0) & (starts < 2700.0)] == 50.0)
    # The stretch turns where most of the ten minutes around it is odd.
    assert np.all(stretch[(starts >= 1500.0) & (starts < 1790.0)] == 10.0)
    assert np.all(stretch[(starts >= 1810.0) & (starts < 2000.0)] == 50.0)
    # Equal to a plain median over the same neighbourhood, window by window.
    rng = np.random.default_rng(5)
    shuffled = rng.permutation(len(starts))
    noisy = rng.normal(size=len(starts))
    got = stretch_residual(noisy[shuffled], starts[shuffled], ends[shuffled], 120.0)
    centres = (starts + ends) / 2
    for k in rng.choice(len(starts), 50, replace=False):
        near = np.abs(centres - centres[shuffled[k]]) <= 120.0
        assert got[k] == pytest.approx(float(np.median(noisy[near])))
