"""Caption fixes as an overlay on a job's transcript, keyed by job and word index.

The lake keeps the words the model heard; a producer's fix is a ``transcript_corrections`` row
(ops database) naming the word by its index in the whole episode (segments in order, words in
order). Re-renders, SRT/VTT files, show notes and the studio's transcript view read the words
through :func:`apply`, so every output agrees with the fixed text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select, update

from podclip.core.errors import InvalidCorrection
from podclip.store.job_record import utcnow
from podclip.store.schema import transcript_corrections

MAX_WORD_CHARS = 100


@dataclass(frozen=True)
class IndexedWord:
    """One transcript word with its index in the episode and its speaker (seconds)."""

    index: int
    start: float
    end: float
    text: str
    speaker: str | None = None
    segment_index: int = 0
    corrected: bool = False


@dataclass(frozen=True)
class Correction:
    """One fix: the word at ``word_index`` reads ``to_text`` instead of ``from_text``."""

    word_index: int
    from_text: str
    to_text: str


def words_of(segments: Sequence[Mapping[str, Any]]) -> list[IndexedWord]:
    """The episode's words in order, numbered from 0, from lake ``transcript_segments`` rows."""
    out: list[IndexedWord] = []
    for seg in segments:
        for w in seg.get("words") or ():
            out.append(
                IndexedWord(
                    index=len(out),
                    start=float(w["start_seconds"]),
                    end=float(w["end_seconds"]),
                    text=str(w["word"]),
                    speaker=seg.get("speaker"),
                    segment_index=int(seg.get("segment_index") or 0),
                )
            )
    return out


def apply(words: Sequence[IndexedWord], fixes: Mapping[int, Correction]) -> list[IndexedWord]:
    """``words`` with each fixed word's text replaced (its leading space kept, as spoken)."""
    out = []
    for w in words:
        fix = fixes.get(w.index)
        if fix is None:
            out.append(w)
            continue
        lead = w.text[: len(w.text) - len(w.text.lstrip())]
        out.append(replace(w, text=lead + fix.to_text, corrected=True))
    return out


def for_job(engine: Engine, job_id: str) -> dict[int, Correction]:
    """The job's corrections by word index."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(transcript_corrections).where(transcript_corrections.c.job_id == job_id)
        ).mappings()
        return {
            int(r["word_index"]): Correction(int(r["word_index"]), r["from_text"], r["to_text"])
            for r in rows
        }


def locate(words: Sequence[IndexedWord], fix: Mapping[str, Any]) -> IndexedWord:
    """The word a fix names: by ``index``, else by ``time`` (seconds, the word spoken then)."""
    if fix.get("index") is not None:
        try:
            index = int(fix["index"])
        except (TypeError, ValueError):
            raise InvalidCorrection("A caption fix's index must be an integer.") from None
        if not 0 <= index < len(words):
            raise InvalidCorrection(f"No word with index {index} in this transcript.")
        return words[index]
    if fix.get("time") is None:
        raise InvalidCorrection("A caption fix names its word by index or time.")
    try:
        t = float(fix["time"])
    except (TypeError, ValueError):
        raise InvalidCorrection("A caption fix's time must be a number of seconds.") from None
    if not words:
        raise InvalidCorrection("This transcript has no words.")
    return min(
        words, key=lambda w: 0.0 if w.start <= t <= w.end else min(abs(w.start - t), abs(w.end - t))
    )


def clean_text(value: Any) -> str:
    """The replacement word: trimmed, one line, 1-100 characters."""
    text = str(value or "").strip()
    if not text or len(text) > MAX_WORD_CHARS or any(c in text for c in "\r\n\t"):
        raise InvalidCorrection(
            f"A caption fix's 'to' must be 1-{MAX_WORD_CHARS} characters on one line."
        )
    return text


def same_word(a: str, b: str) -> bool:
    """Whether two spellings name the same heard word (case and edge punctuation ignored)."""
    strip = " .,;:!?\"'()[]"
    return a.strip().strip(strip).casefold() == b.strip().strip(strip).casefold()


def save(
    engine: Engine,
    *,
    job_id: str,
    account_id: str,
    word: IndexedWord,
    original: str,
    to_text: str,
    actor: str | None,
) -> None:
    """Store (or replace) the fix of ``word``; a fix back to the heard word removes it."""
    key = and_(
        transcript_corrections.c.job_id == job_id,
        transcript_corrections.c.word_index == word.index,
    )
    with engine.begin() as conn:
        if to_text == original.strip():
            conn.execute(delete(transcript_corrections).where(key))
            return
        found = conn.execute(select(transcript_corrections.c.job_id).where(key)).first()
        values = {"to_text": to_text, "created_by": actor, "created_at": utcnow()}
        if found is None:
            conn.execute(
                insert(transcript_corrections).values(
                    job_id=job_id,
                    word_index=word.index,
                    account_id=account_id,
                    from_text=original.strip(),
                    **values,
                )
            )
        else:
            conn.execute(update(transcript_corrections).where(key).values(**values))


def replace_in_text(text: str, fixes: Iterable[Correction]) -> str:
    """``text`` with each fixed word replaced where it stands alone (show notes' quotes)."""
    for fix in fixes:
        heard = fix.from_text.strip().strip(" .,;:!?\"'")
        if not heard:
            continue
        text = re.sub(rf"(?<!\w){re.escape(heard)}(?!\w)", fix.to_text.strip(" .,;:!?\"'"), text)
    return text
