"""The trained head: multinomial logistic regression over standardised features, in numpy.

Features are standardised with the training mean and standard deviation; the cue block is then
multiplied by `cue_weight` (< 1) so that with one L2 penalty the 384 embedding dimensions carry
most of the signal and the few hand-made cues only nudge. Training is full-batch Adam on the
class-balanced cross-entropy, deterministic for a given seed and data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .array_files import content_hash, save_arrays

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Head:
    """Standardisation plus a linear softmax layer; `labels` gives the output column order."""

    labels: tuple[str, ...]
    mean: Array  # (d,)
    scale: Array  # (d,): 1/std, times cue_weight on the cue block
    weights: Array  # (d, classes)
    bias: Array  # (classes,)
    calibration: Array  # (2,): slope and intercept of the shareability calibration

    def logits(self, features: Array) -> Array:
        """Class scores for a (n, d) feature matrix."""
        z = (features - self.mean) * self.scale
        out: Array = (z @ self.weights + self.bias).astype(np.float32)
        return out

    def predict_proba(self, features: Array) -> Array:
        """Class probabilities, rows summing to 1, columns in `labels` order."""
        return softmax(self.logits(features))

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The head as named arrays (what goes into the .npz file)."""
        return {
            "labels": np.asarray(self.labels),
            "mean": self.mean,
            "scale": self.scale,
            "weights": self.weights,
            "bias": self.bias,
            "calibration": self.calibration,
        }

    def content_hash(self) -> str:
        """sha256 over the arrays' names, dtypes, shapes and bytes (stable, unlike zip bytes)."""
        return content_hash(self.arrays())

    def with_calibration(self, slope: float, intercept: float) -> Head:
        """A copy with the shareability calibration set."""
        calibration = np.asarray([slope, intercept], dtype=np.float32)
        return Head(self.labels, self.mean, self.scale, self.weights, self.bias, calibration)


def mean_head(heads: list[Head]) -> Head:
    """One head whose logits are the mean of `heads`' logits (same rows, so same standardisation).

    Its softmax is the normalised geometric mean of their probabilities: an ensemble that costs
    one head at inference.
    """
    first = heads[0]
    for other in heads[1:]:
        same = other.labels == first.labels and np.array_equal(other.mean, first.mean)
        if not (same and np.array_equal(other.scale, first.scale)):
            raise ValueError("heads of an ensemble must share labels and standardisation")
    weights = np.mean([h.weights for h in heads], axis=0).astype(np.float32)
    bias = np.mean([h.bias for h in heads], axis=0).astype(np.float32)
    return Head(first.labels, first.mean, first.scale, weights, bias, first.calibration)


def softmax(logits: npt.NDArray[np.floating]) -> Array:
    """Row-wise softmax, stable for large scores."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    out: Array = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def save_head(head: Head, path: Path) -> None:
    """Write the head's arrays to an .npz file."""
    save_arrays(head.arrays(), path)


def load_head(path: Path) -> Head:
    """Read a head written by `save_head`."""
    with np.load(path, allow_pickle=False) as data:
        return Head(
            labels=tuple(str(x) for x in data["labels"]),
            mean=data["mean"].astype(np.float32),
            scale=data["scale"].astype(np.float32),
            weights=data["weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            calibration=data["calibration"].astype(np.float32),
        )


@dataclass(frozen=True)
class FitSettings:
    """Hyper-parameters of one head fit."""

    l2: float = 1e-2
    cue_weight: float = 0.5
    steps: int = 300
    learning_rate: float = 0.05
    seed: int = 13


def fit_head(
    features: Array,
    targets: npt.NDArray[np.int64],
    labels: tuple[str, ...],
    n_cues: int,
    settings: FitSettings = FitSettings(),
    sample_weight: npt.NDArray[np.floating] | None = None,
) -> Head:
    """Fit the softmax layer; `n_cues` trailing columns of `features` are the cue block.

    `sample_weight` multiplies each row's class-balanced weight (e.g. real passages count more).
    """
    n, d = features.shape
    k = len(labels)
    mean = features.mean(axis=0).astype(np.float32)
    std = features.std(axis=0).astype(np.float32)
    scale = (1.0 / np.maximum(std, 1e-6)).astype(np.float32)
    scale[std < 1e-6] = 0.0  # a constant column carries nothing; keep it out of the fit
    if n_cues:
        scale[d - n_cues :] *= settings.cue_weight
    z = ((features - mean) * scale).astype(np.float64)

    onehot = np.zeros((n, k))
    onehot[np.arange(n), targets] = 1.0
    counts = np.maximum(onehot.sum(axis=0), 1.0)
    sample_w = (n / (k * counts))[targets]  # class-balanced, mean weight about 1
    if sample_weight is not None:
        sample_w = sample_w * np.asarray(sample_weight, dtype=np.float64)
    sample_w /= sample_w.sum()

    rng = np.random.default_rng(settings.seed)
    w = rng.normal(0.0, 0.01, size=(d, k))
    b = np.zeros(k)
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b, v_b = np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, settings.steps + 1):
        probs = softmax(z @ w + b).astype(np.float64)
        err = (probs - onehot) * sample_w[:, None]
        g_w = z.T @ err + settings.l2 * w
        g_b = err.sum(axis=0)
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w**2
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b**2
        lr = settings.learning_rate * np.sqrt(1 - beta2**step) / (1 - beta1**step)
        w -= lr * m_w / (np.sqrt(v_w) + eps)
        b -= lr * m_b / (np.sqrt(v_b) + eps)
    return Head(
        labels=labels,
        mean=mean,
        scale=scale,
        weights=w.astype(np.float32),
        bias=b.astype(np.float32),
        calibration=np.asarray([1.0, 0.0], dtype=np.float32),
    )
