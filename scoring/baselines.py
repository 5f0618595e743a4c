"""Two baselines the trained model must beat, measured in the same evaluation run.

* Keyword rules: a hand-written list of tell-tale phrases per type; the type with the most
  matches wins, ties go to the earlier type in `MOMENT_TYPES`, no match at all means `none`.
  Written from the type definitions, not tuned on the data.
* Zero-shot prototypes: one plain sentence per label (none included), embedded with the same
  MiniLM; a text takes the label of the most cosine-similar prototype.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .labels import LABELS, MOMENT_TYPES, NONE_LABEL

KEYWORDS: dict[str, tuple[str, ...]] = {
    "bold_prediction": (
        r"\bwill\b",
        r"\bgoing to\b",
        r"\bgonna\b",
        r"\bpredict",
        r"\bby 20\d\d\b",
        r"\bin (?:five|ten|twenty|\d+) years\b",
        r"\bmark my words\b",
        r"\bthe future\b",
    ),
    "contrarian_take": (
        r"\beveryone (?:says|thinks)\b",
        r"\bmost people\b",
        r"\bconventional wisdom\b",
        r"\bmyth\b",
        r"\boverrated\b",
        r"\bunpopular opinion\b",
        r"\bactually\b",
        r"\bwrong\b",
    ),
    "emotional_story": (
        r"\bI remember\b",
        r"\bcried\b",
        r"\btears\b",
        r"\bmy (?:mom|dad|mother|father)\b",
        r"\bhospital\b",
        r"\bpassed away\b",
        r"\bheart\b",
        r"\bscared\b",
    ),
    "how_to": (
        r"\bstep\b",
        r"\bfirst,",
        r"\bthen\b",
        r"\bhere's how\b",
        r"\bhow to\b",
        r"\bmake sure\b",
        r"\btip\b",
        r"\btry\b",
    ),
    "quotable_one_liner": (
        r"\bthe secret\b",
        r"\bis the new\b",
        r"\bnever\b",
        r"\balways\b",
        r"\blife\b",
    ),
    "host_guest_debate": (
        r"\bI disagree\b",
        r"\bno,",
        r"\bcome on\b",
        r"\bthat's not\b",
        r"\bhold on\b",
        r"\byou're wrong\b",
        r"\bbut you\b",
    ),
    "strong_opinion": (
        r"\bI (?:strongly |really |firmly )?believe\b",
        r"\babsolutely\b",
        r"\bshould\b",
        r"\bhate\b",
        r"\bridiculous\b",
        r"\bterrible\b",
        r"\bbest\b",
        r"\bworst\b",
    ),
    "founder_reveal": (
        r"\bour company\b",
        r"\bstartup\b",
        r"\brevenue\b",
        r"\braised\b",
        r"\binvestors?\b",
        r"\bco-?founder\b",
        r"\bwe (?:launched|built|hired|almost)\b",
        r"\bmillion\b",
    ),
}
_COMPILED = {
    label: [re.compile(p, re.IGNORECASE) for p in patterns] for label, patterns in KEYWORDS.items()
}

PROTOTYPES: dict[str, str] = {
    "bold_prediction": "I predict that within ten years this will have completely changed.",
    "contrarian_take": "Everyone believes this, but the popular view is wrong.",
    "emotional_story": "I remember the day my life fell apart and I could not stop crying.",
    "how_to": "Here is how to do it, step by step.",
    "quotable_one_liner": "A short, memorable saying that sums up a big idea.",
    "host_guest_debate": "No, I disagree with you, that's not true at all.",
    "strong_opinion": "I strongly believe this is absolutely the right thing to do.",
    "founder_reveal": "When we started our company, we almost ran out of money.",
    NONE_LABEL: "Thanks for having me on the show, it's great to be here.",
}


def keyword_label(text: str) -> str:
    """The keyword-rule prediction for one text."""
    counts = {t: sum(bool(p.search(text)) for p in _COMPILED[t]) for t in MOMENT_TYPES}
    best = max(MOMENT_TYPES, key=lambda t: counts[t])
    return best if counts[best] > 0 else NONE_LABEL


def zero_shot_labels(
    text_vectors: npt.NDArray[np.floating], prototype_vectors: npt.NDArray[np.floating]
) -> list[str]:
    """Nearest prototype (cosine; both sides unit vectors, rows of prototypes in LABELS order)."""
    sims = np.asarray(text_vectors) @ np.asarray(prototype_vectors).T
    return [LABELS[i] for i in np.argmax(sims, axis=1)]


def prototype_texts() -> Sequence[str]:
    """The prototype sentences in `LABELS` order."""
    return [PROTOTYPES[label] for label in LABELS]
