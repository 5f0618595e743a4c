"""An episode's sentence encodings, kept while the process may score the same sentences again.

The two model passes (MiniLM per sentence, the context encoder over the running text) are most
of the cost of scoring, and the same transcript is often scored again in one process: a show's
deeper candidate pool beside the generic clips, a moments stage rerun with other options in a
warm worker, or the same episode under another head or guard (a held-out head, the guard's
on-off comparison). The encodings depend only on the two encoders and the sentences, so the
last few are kept, keyed by the encoder objects and a digest of the texts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .classifier import Classifier, embed_unique
from .context_encoder import ContextEncoder, SentenceStates
from .embedder import Embedder

# Episodes kept per process: an hour is about 4 MB (900 sentences x 1,025 float32).
KEPT_EPISODES = 4

Array = npt.NDArray[np.float32]
_Encoders = tuple[Embedder, ContextEncoder | None]
_Entry = tuple[_Encoders, Array, SentenceStates | None]
_kept: OrderedDict[tuple[int, int, str], _Entry] = OrderedDict()
_lock = threading.Lock()


def episode_encodings(
    classifier: Classifier, texts: Sequence[str]
) -> tuple[Array, SentenceStates | None]:
    """Sentence embeddings (one row per text) and context states of the texts read in order
    as one running text (None for a head without a context block)."""
    # The head and the guard read the encodings but do not make them. The entry holds the
    # encoders, so their ids cannot be reused by other objects while it is kept.
    encoders = (classifier.embedder, classifier.context)
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()
    key = (id(encoders[0]), id(encoders[1]), digest)
    with _lock:
        entry = _kept.get(key)
        if entry is not None:
            _kept.move_to_end(key)
            return entry[1], entry[2]
    embedded = _read_only(embed_unique(texts, classifier.embed))
    encode = classifier.encode_context
    states = None
    if encode is not None:
        found = encode(texts, [i == 0 for i in range(len(texts))])
        states = SentenceStates(_read_only(found.sums), _read_only(found.counts))
    with _lock:
        _kept[key] = (encoders, embedded, states)
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
