"""An episode's sentence encodings, kept while the process may score the same sentences again.

The two model passes (MiniLM per sentence, the context encoder over the running text) are most
of the cost of scoring, and the same transcript is often scored again in one process: a show's
deeper candidate pool beside the generic clips, a moments stage rerun with other options in a
warm worker. The encodings depend only on the classifier and the sentences, so the last few are
kept, keyed by the classifier object and a digest of the texts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .classifier import Classifier, embed_unique
from .context_encoder import SentenceStates

# Episodes kept per process: an hour is about 4 MB (900 sentences x 1,025 float32).
KEPT_EPISODES = 4

Array = npt.NDArray[np.float32]
_Entry = tuple[Classifier, Array, SentenceStates | None]
_kept: OrderedDict[tuple[int, str], _Entry] = OrderedDict()
_lock = threading.Lock()


def episode_encodings(
    classifier: Classifier, texts: Sequence[str]
) -> tuple[Array, SentenceStates | None]:
    """Sentence embeddings (one row per text) and context states of the texts read in order
    as one running text (None for a head without a context block)."""
    # The entry holds the classifier, so its id cannot be reused by another while kept.
    key = (id(classifier), hashlib.sha256("\0".join(texts).encode()).hexdigest())
    with _lock:
        entry = _kept.get(key)
        if entry is not None and entry[0] is classifier:
            _kept.move_to_end(key)
            return entry[1], entry[2]
    embedded = _read_only(embed_unique(texts, classifier.embed))
    encode = classifier.encode_context
    states = None
    if encode is not None:
        found = encode(texts, [i == 0 for i in range(len(texts))])
        states = SentenceStates(_read_only(found.sums), _read_only(found.counts))
    with _lock:
        _kept[key] = (classifier, embedded, states)
        while len(_kept) > KEPT_EPISODES:
            _kept.popitem(last=False)
    return embedded, states


def forget_encodings() -> None:
    """Drop every kept encoding (benchmarks time the model passes, not a lookup)."""
    with _lock:
        _kept.clear()


def _read_only(array: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    # Shared between scorings: a caller that wrote into one would change the next scoring.
    array.setflags(write=False)
    return array
