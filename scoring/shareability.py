"""Shareability: one 0-100 number that means the same in every episode.

A window's raw score adds, in logit units:

* `CAP * tanh(z / CAP)` with `CAP = MOMENT_LOGIT_CAP`: `z = logit(1 - p_none)` is the head's
  confidence that the window is some moment type at all. For a window of an episode `p_none`
  is the mean over the episode's windows centred within `CENTRE_HALF_WIDTH_S` of this one's
  centre (the same stretch of talk cut at other sentence boundaries and lengths): one cut of a
  stretch can read as a moment by chance, a stretch that is one reads so under most of its
  cuts. The cap is soft, so that among clear moments the opening, the self-containedness and
  the length decide the order rather than 0.999 versus 0.9999, while confidence still breaks
  ties;
* `HOOK_WEIGHT * (hook - 0.5)`: hook strength of the opening sentence (0-1), from the head's
  moment confidence on that sentence alone, its length (5-25 words reads as a line) and
  whether it fires a hook-like cue (a figure, a question, a consensus-negation, intensity,
  a future claim, rhythm, or a short punchy line);
* `SELF_WEIGHT * (self_contained - 1)`: 0 for an opening that stands alone, down to
  `-SELF_WEIGHT` for one that leans on what came before ("and", "but", "so that's why",
  "he", "it", "that" ...), and a smaller cut when the clip ends on an unanswered question;
* `LENGTH_WEIGHT * (length_fit - 1)`: 0 inside the target length (25-60 s by default),
  falling linearly to -0.7 * LENGTH_WEIGHT at the window length limits.

The score is `100 * sigmoid(a * raw + b)`, with the slope `a` and intercept `b` fitted once,
at training time (`scoring.train`), by plain logistic regression (Platt scaling) of "labelled a
moment" (any type but `none`) on the raw score of the real passages, from their held-out
predictions (leave one episode out) so the head's fit to its own training data does not
inflate them. Length fit is held at 1 for that fit (passages are not clips). `a` and `b` are
stored with the head's weights and are the same for every episode: there is no per-episode
rank or min-max normalisation, so 80 in one episode means what 80 means in any other.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .cues import SentenceCues
from .features import range_sum
from .options import LengthBounds
from .text import ends_question, is_filler_sentence, opener_penalty

MOMENT_LOGIT_CAP = 4.0
# Windows whose centres lie this close share their type probabilities. Leave-one-episode-out on
# the nine labelled real episodes: 6-0 episodes better at the top 6 clips, 8-0 at the top 20
# (flat from 8 to 15 s), and the type right more often in 9 of 9 (scoring/README.md, "Whole
# episodes").
CENTRE_HALF_WIDTH_S = 10.0
HOOK_WEIGHT = 1.5
# Share of hook strength that is the head's moment confidence on the opening line alone.
HOOK_MODEL_SHARE = 0.6
SELF_WEIGHT = 2.0
LENGTH_WEIGHT = 1.5
# Housekeeping evidence (0-1, housekeeping.py) of the window's sentences, in logit units: a
# plug or an intro is never a shareable moment, however fluent it sounds.
HOUSEKEEPING_WEIGHT = 4.0
# Cut in self-containedness when the clip's last sentence is a question left hanging.
OPEN_QUESTION_PENALTY = 0.3
HOOK_CUES: tuple[str, ...] = (
    "figure",
    "question",
    "consensus_negation",
    "intensity",
    "future",
    "rhythm",
    "punchy",
)
_EPS = 1e-4

Floats = npt.NDArray[np.float64]


def hook_strength(opening: str, cues: SentenceCues, p_none: float) -> float:
    """How well the opening sentence grabs attention on its own (0-1)."""
    form = hook_form(opening, cues)
    return 0.0 if form is None else HOOK_MODEL_SHARE * (1.0 - p_none) + form


def hook_form(opening: str, cues: SentenceCues) -> float | None:
    """The part of `hook_strength` the head has no say in: length and hook-like cues
    (0-0.4), or None for a filler line, which is no hook at all."""
    if is_filler_sentence(opening):
        return None
    n = cues.n_words
    words_ok = 1.0 if 5 <= n <= 25 else 0.5 if 3 <= n <= 40 else 0.0
    cue_hit = 1.0 if any(cues.fired(c) for c in HOOK_CUES) else 0.0
    return 0.2 * words_ok + 0.2 * cue_hit


def hook_strength_rows(forms: npt.ArrayLike, p_none: npt.ArrayLike) -> Floats:
    """`hook_strength` for many openings: `forms` from `hook_form` (NaN for a filler line)."""
    f = np.asarray(forms, dtype=np.float64)
    strength = HOOK_MODEL_SHARE * (1.0 - np.asarray(p_none, dtype=np.float64)) + f
    return np.asarray(np.where(np.isnan(f), 0.0, strength), dtype=np.float64)


def self_containedness(opening: str, closing: str) -> float:
    """1 for a clip that needs nothing from before or after it, lower when it does."""
    score = 1.0 - opener_penalty(opening)
    if ends_question(closing):
        score -= OPEN_QUESTION_PENALTY
    return max(0.0, score)


def self_containedness_rows(
    opening_penalty: npt.ArrayLike, closing_is_question: npt.ArrayLike
) -> Floats:
    """`self_containedness` for many windows from per-sentence opener penalties and flags."""
    score = (
        1.0
        - np.asarray(opening_penalty, dtype=np.float64)
        - OPEN_QUESTION_PENALTY * np.asarray(closing_is_question, dtype=np.float64)
    )
    return np.asarray(np.maximum(score, 0.0), dtype=np.float64)


def length_fit(duration_s: npt.ArrayLike, bounds: LengthBounds) -> Floats:
    """1 inside the target range, falling linearly to 0.3 at the length limits."""
    d = np.asarray(duration_s, dtype=np.float64)
    below = np.clip((d - bounds.min_s) / max(bounds.target_min_s - bounds.min_s, 1e-6), 0.0, 1.0)
    above = np.clip((bounds.max_s - d) / max(bounds.max_s - bounds.target_max_s, 1e-6), 0.0, 1.0)
    fit = np.where(
        d < bounds.target_min_s,
        0.3 + 0.7 * below,
        np.where(d > bounds.target_max_s, 0.3 + 0.7 * above, 1.0),
    )
    return np.asarray(fit, dtype=np.float64)


def moment_logit(p_none: npt.ArrayLike) -> Floats:
    """`logit(1 - p_none)`, kept within +-9.2 (probabilities 1e-4 from 0 and 1)."""
    p_moment = np.clip(1.0 - np.asarray(p_none, dtype=np.float64), _EPS, 1.0 - _EPS)
    return np.asarray(np.log(p_moment / (1.0 - p_moment)), dtype=np.float64)


def centred_mean(
    values: npt.ArrayLike,
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    half_width_s: float = CENTRE_HALF_WIDTH_S,
) -> Floats:
    """Each window's value (or row of values) averaged over the windows centred within
    `half_width_s` of its centre."""
    v = np.asarray(values, dtype=np.float64)
    if not len(v):
        return v
    centres = (np.asarray(starts, dtype=np.float64) + np.asarray(ends, dtype=np.float64)) / 2
    order = np.argsort(centres, kind="stable")
    sorted_centres = centres[order]
    lo = np.searchsorted(sorted_centres, sorted_centres - half_width_s, side="left")
    hi = np.searchsorted(sorted_centres, sorted_centres + half_width_s, side="right")
    rows = v[order].reshape(len(v), -1)
    out = np.empty_like(rows)
    out[order] = range_sum(rows, lo, hi) / (hi - lo)[:, None]
    return out.reshape(v.shape)


def raw_score(
    logit: npt.ArrayLike,
    hook: npt.ArrayLike,
    self_contained: npt.ArrayLike,
    fit: npt.ArrayLike,
    housekeeping: npt.ArrayLike = 0.0,
) -> Floats:
    """The uncalibrated shareability score in logit units (see the module docstring).

    `logit` is the moment evidence `z`: `moment_logit` of a passage's `p_none`, or of a window's
    `p_none` centred over the episode's windows (`centred_mean`).
    """
    return np.asarray(
        MOMENT_LOGIT_CAP * np.tanh(np.asarray(logit, dtype=np.float64) / MOMENT_LOGIT_CAP)
        + HOOK_WEIGHT * (np.asarray(hook, dtype=np.float64) - 0.5)
        + SELF_WEIGHT * (np.asarray(self_contained, dtype=np.float64) - 1.0)
        + LENGTH_WEIGHT * (np.asarray(fit, dtype=np.float64) - 1.0)
        - HOUSEKEEPING_WEIGHT * np.asarray(housekeeping, dtype=np.float64),
        dtype=np.float64,
    )


def calibrate(raw: npt.ArrayLike, calibration: npt.ArrayLike) -> Floats:
    """Map raw scores to 0-100 with the stored slope and intercept."""
    slope, intercept = (float(x) for x in np.asarray(calibration).ravel()[:2])
    z = slope * np.asarray(raw, dtype=np.float64) + intercept
    return np.asarray(100.0 / (1.0 + np.exp(-z)), dtype=np.float64)
