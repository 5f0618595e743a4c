"""How far a span's features lie from anything the head was trained on, as a trust weight.

The head is confident about text unlike its training rows (a licence read aloud scores like a
how-to), because a linear layer extrapolates. `Domain` holds a principal subspace of the
standardised training rows (written texts with their transcript-like variants, and the real
passages); a span's distance from that subspace (the reconstruction residual) is compared with
the training rows' own. Up to their 99th percentile the head is trusted fully; beyond it,
trust falls by a factor e for every `tail` (the mean excess of the training rows' top 5 %
over their 95th percentile, the exponential tail those rows show), down to `floor`. Nothing
here is set on out-of-domain text: every number comes from the training rows.

`guard` moves a distrusted span's `p_none` towards the prior of real talk (the real passages'
label shares), so its moment evidence falls towards "a third of talk is a moment" instead of
claiming more; it never rises (a stretch the head reads as `none` stays so), and the moment
types keep their proportions. The scorer discounts the head's reading of the span's opening
line (its hook) by the same trust. The floor keeps the order among spans that are all far off
(a whole episode in another language) while their scores fall towards the base rate. In an
episode a window is judged by the median residual of the ten minutes around it
(`TRUST_HALF_WIDTH_S`): one odd window of a real episode is not talk unlike the training data,
minutes of it are.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .array_files import content_hash, save_arrays

Array = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]

COMPONENTS = 50
TRUSTED_QUANTILE = 0.99
TAIL_FROM_QUANTILE = 0.95
TRUST_FLOOR = 0.1
# An episode's window is judged by the median residual of the windows centred within this many
# seconds of it. Held out, every window of the nine real episodes then keeps full trust (the
# mean trust over the same neighbourhood instead: at least 0.96, which still moved near-equal
# clips by a point), while a read-aloud licence or changelog is distrusted throughout.
TRUST_HALF_WIDTH_S = 300.0


@dataclass(frozen=True)
class Domain:
    """The training rows' principal subspace and residual scale.

    Attributes:
        mean: (d,) training mean of the features.
        scale: (d,) 1/std per feature (0 for constant columns).
        components: (k, d) orthonormal principal directions of the standardised rows.
        threshold: residual at `TRUSTED_QUANTILE` of the training rows; trusted up to it.
        tail: mean excess residual over the `TAIL_FROM_QUANTILE` quantile among the rows
            beyond it (the e-folding length of the fall in trust).
        prior: (classes,) label shares of the real passages, in the head's label order.
        none_column: the column of `none` in the head's label order.
        floor: the least trust any span keeps.
    """

    mean: Array
    scale: Array
    components: Array
    threshold: float
    tail: float
    prior: Array
    none_column: int
    floor: float = TRUST_FLOOR

    def residual(self, features: npt.ArrayLike) -> Floats:
        """Distance of each row from the principal subspace, in standardised units."""
        z = (np.asarray(features, dtype=np.float64) - self.mean) * self.scale
        return _off_subspace(z, self.components.astype(np.float64))

    def trust(self, features: npt.ArrayLike) -> Floats:
        """1 within the training rows' spread, falling exponentially beyond it, at least `floor`."""
        return self.trust_at(self.residual(features))

    def trust_at(self, residual: npt.ArrayLike) -> Floats:
        """`trust` for residuals already measured."""
        excess = np.maximum(np.asarray(residual, dtype=np.float64) - self.threshold, 0.0)
        return np.asarray(np.maximum(np.exp(-excess / self.tail), self.floor), dtype=np.float64)

    def mix(self, probabilities: npt.ArrayLike, trust: npt.ArrayLike) -> Array:
        """Type distributions with the moment evidence discounted by `trust`.

        `p_none` becomes at least `trust * p_none + (1 - trust) * prior_none`; the moment types
        share what is left in their own proportions. The guard only takes evidence away: a
        stretch the head already reads as `none` stays so.
        """
        p = np.asarray(probabilities, dtype=np.float64)
        t = np.asarray(trust, dtype=np.float64)
        col = self.none_column
        p_none = p[:, col]
        toward = t * p_none + (1.0 - t) * float(self.prior[col])
        guarded = np.maximum(p_none, toward)
        left = 1.0 - p_none
        ratio = np.divide(1.0 - guarded, left, out=np.ones_like(left), where=left > 1e-12)
        out = p * ratio[:, None]
        out[:, col] = guarded
        return out.astype(np.float32)

    def guard(self, probabilities: npt.ArrayLike, features: npt.ArrayLike) -> Array:
        """`mix` with the trust of each row's features."""
        return self.mix(probabilities, self.trust(features))

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The domain as named arrays (what goes into the .npz file)."""
        return {
            "mean": self.mean,
            "scale": self.scale,
            "components": self.components,
            "threshold": np.asarray(self.threshold, dtype=np.float64),
            "tail": np.asarray(self.tail, dtype=np.float64),
            "prior": self.prior,
            "none_column": np.asarray(self.none_column, dtype=np.int64),
            "floor": np.asarray(self.floor, dtype=np.float64),
        }

    def content_hash(self) -> str:
        """sha256 over the arrays' names, dtypes, shapes and bytes."""
        return content_hash(self.arrays())


def fit_domain(
    rows: npt.ArrayLike,
    prior: npt.ArrayLike,
    none_column: int,
    components: int = COMPONENTS,
) -> Domain:
    """Fit the subspace, threshold and tail on the training rows (all of them, unweighted)."""
    x = np.asarray(rows, dtype=np.float64)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    scale = np.where(std < 1e-6, 0.0, 1.0 / np.maximum(std, 1e-6))
    z = (x - mean) * scale
    # The right singular vectors of the centred rows are the principal directions.
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    basis = vt[: min(components, vt.shape[0])]
    residual = _off_subspace(z, basis)
    threshold = float(np.quantile(residual, TRUSTED_QUANTILE))
    start = float(np.quantile(residual, TAIL_FROM_QUANTILE))
    beyond = residual[residual > start]
    tail = float(np.mean(beyond - start)) if len(beyond) else 1.0
    p = np.asarray(prior, dtype=np.float64)
    return Domain(
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        components=basis.astype(np.float32),
        threshold=threshold,
        tail=max(tail, 1e-6),
        prior=(p / p.sum()).astype(np.float32),
        none_column=none_column,
    )


def _off_subspace(z: Floats, basis: Floats) -> Floats:
    """Length of each standardised row's part off the span of `basis` (orthonormal rows)."""
    inside = z @ basis.T
    # What is left of |z|^2 after its part inside the subspace lies off it.
    off = np.einsum("ij,ij->i", z, z) - np.einsum("ij,ij->i", inside, inside)
    return np.asarray(np.sqrt(np.maximum(off, 0.0)), dtype=np.float64)


def stretch_residual(
    residual: npt.ArrayLike,
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    half_width_s: float = TRUST_HALF_WIDTH_S,
) -> Floats:
    """Each window's residual replaced by the median over the windows centred within
    `half_width_s` of it: a stretch lies off the training data when most of it does."""
    r = np.asarray(residual, dtype=np.float64)
    centres = (np.asarray(starts, dtype=np.float64) + np.asarray(ends, dtype=np.float64)) / 2
    order = np.argsort(centres, kind="stable")
    c, values = centres[order], r[order].tolist()
    lo = np.searchsorted(c, c - half_width_s, side="left").tolist()
    hi = np.searchsorted(c, c + half_width_s, side="right").tolist()
    out = np.empty(len(r))
    window: list[float] = []
    first = last = 0
    # Both ends only move forward, so the sorted window is kept by insertions and removals.
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        while last < b:
            bisect.insort(window, values[last])
            last += 1
        while first < a:
            del window[bisect.bisect_left(window, values[first])]
            first += 1
        m = len(window)
        out[order[i]] = (window[(m - 1) // 2] + window[m // 2]) / 2
    return out


def save_domain(domain: Domain, path: Path) -> None:
    """Write the domain's arrays to an .npz file."""
    save_arrays(domain.arrays(), path)


def load_domain(path: Path) -> Domain:
    """Read a domain written by `save_domain`."""
    with np.load(path, allow_pickle=False) as data:
        return Domain(
            mean=data["mean"].astype(np.float32),
            scale=data["scale"].astype(np.float32),
            components=data["components"].astype(np.float32),
            threshold=float(data["threshold"]),
            tail=float(data["tail"]),
            prior=data["prior"].astype(np.float32),
            none_column=int(data["none_column"]),
            floor=float(data["floor"]),
        )
