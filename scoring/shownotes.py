"""Markdown show notes: summary, chapters, key quotes and the guest, built from the transcript.

Names come from the job when it gives them, else from how the host introduces the show in the
opening ("my guest today is ...", "I'm talking with ...", "I'm Maya"). The summary is extractive
(the sentences closest to the episode's and its chapters' centres), chapters come from
``scoring/chapters.py``, and key quotes are the top clips' pull quotes with their timestamps and
speakers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from .chapters import Chapter, Passage, make_chapters, passages_from
from .text import is_filler_sentence, opener_penalty
from .types import ScoredMoment, Segment
from .windows import Sentence, build_sentences

EmbedFn = Callable[[Sequence[str]], npt.NDArray[np.float32]]

# Names are looked for in this much opening speech (seconds).
OPENING_S = 120.0
_NAME = r"((?:[A-Z][\w'\u2019.-]*)(?:\s+(?:[A-Z][\w'\u2019-]*|de|van|von|da|del|bin|al)){0,3})"
_GUEST_PATTERNS = [
    rf"\b(?:my|our) (?:special )?guests? (?:today |this week |tonight |on the show )?"
    rf"(?:is|are)\s+{_NAME}",
    rf"\b(?:joining|with) (?:me|us) (?:today |now |here |this week )?(?:is|are)\s+{_NAME}",
    rf"\b(?:joined|sitting) (?:today |here )?(?:by|with|down with)\s+{_NAME}",
    rf"\b(?:talking|speaking|chatting|sitting down|here) (?:today )?(?:with|to)\s+{_NAME}",
    rf"\bplease welcome\s+{_NAME}",
    rf"\bwelcome(?: to the show)?,\s+{_NAME}",
]
_HOST_PATTERNS = [
    rf"\bI(?:'m| am) your hosts?,?\s+{_NAME}",
    rf"\bmy name is\s+{_NAME}",
    rf"\bI(?:'m| am)\s+{_NAME}(?=[.,!]| and\b)",
]
# Capitalised words that open sentences or name things, never people.
_NOT_NAME_TEXT = (
    "The A An My Our Your His Her Their This That These Those Today Tonight Now Here There Me Us "
    "You We I It Everyone Everybody Someone Somebody Back Welcome Thanks Thank Hello Hi Hey So "
    "And But Mr Mrs Ms Dr Episode Part Show Podcast Sure Yes No Not Very Really Just Glad Happy "
    "Excited Delighted Thrilled Going Talking Here"
)
_NOT_NAMES = frozenset(_NOT_NAME_TEXT.split())
_PARTICLES = frozenset({"de", "van", "von", "da", "del", "bin", "al"})


def opening_text(segments: Sequence[Segment], seconds: float = OPENING_S) -> str:
    """The transcript's text in the first ``seconds`` of speech."""
    if not segments:
        return ""
    first = min(s.start for s in segments)
    return " ".join(s.text for s in segments if s.start < first + seconds)


def _find_name(text: str, patterns: Sequence[str]) -> str | None:
    for pattern in patterns:
        for match in re.finditer(pattern, text, flags=re.IGNORECASE):
            name = _clean_name(match.group(1))
            if name:
                return name
    return None


def _clean_name(raw: str) -> str | None:
    """Keep the leading run of capitalised tokens that look like a person's name."""
    tokens: list[str] = []
    for token in raw.split():
        word = token.strip(".,;:!?\"'\u2019")
        if not word:
            break
        person = word[0].isupper() and word not in _NOT_NAMES
        if person or (tokens and word in _PARTICLES):
            tokens.append(word)
        else:
            break
        if token[-1] in ".,;:!?":
            break
    while tokens and not tokens[-1][0].isupper():
        tokens.pop()
    return " ".join(tokens) or None


def guest_name_from_opening(segments: Sequence[Segment]) -> str | None:
    """The guest the host introduces in the opening, if the wording is a common one."""
    return _find_name(opening_text(segments), _GUEST_PATTERNS)


def host_name_from_opening(segments: Sequence[Segment]) -> str | None:
    """The host's own name from "I'm your host X", "my name is X" or "I'm X." in the opening."""
    return _find_name(opening_text(segments, seconds=60.0), _HOST_PATTERNS)


# Summary sentences are this many words long (shorter ones say little, longer ones ramble).
SUMMARY_MIN_WORDS = 8
SUMMARY_MAX_WORDS = 40
# Above this penalty a sentence leans on context ("So that's why...") and is not used.
SUMMARY_MAX_OPENER_PENALTY = 0.3
SUMMARY_TOPICS = 4
CENTRAL_PASSAGES = 2


@dataclass(frozen=True)
class ShowNotesOptions:
    """Shape of the notes (seconds unless stated).

    Attributes:
        min_chapter_s: Shortest chapter; shorter episodes get proportionally fewer chapters.
        max_chapters: Never more chapters than this.
        passage_s: Length of the text units compared for topic shifts.
        summary_sentences: Extracted sentences in the summary paragraph.
        key_quotes: Quotes listed (from the best-ranked clips).
    """

    min_chapter_s: float = 45.0
    max_chapters: int = 10
    passage_s: float = 20.0
    summary_sentences: int = 3
    key_quotes: int = 4


@dataclass(frozen=True)
class Quote:
    """A key quote with where it starts (seconds) and who said it (a display name or None)."""

    start: float
    text: str
    speaker: str | None


def format_timestamp(seconds: float, with_hours: bool = False) -> str:
    """``mm:ss``, or ``h:mm:ss`` when ``with_hours`` (episodes of an hour or more)."""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if with_hours or h:
        return f"{h}:{m:02d}:{s:02d}"
    return f"{m:02d}:{s:02d}"


def display_name(label: str | None, host_name: str | None, guest_name: str | None) -> str | None:
    """``host``: the host's name (or "Host"); ``guest`` likewise; ``speaker_3``: "Speaker 3"."""
    if label == "host":
        return host_name or "Host"
    if label == "guest":
        return guest_name or "Guest"
    if label and label.startswith("speaker_"):
        return "Speaker " + label.removeprefix("speaker_")
    return None


def chapters_for(
    sentences: Sequence[Sentence],
    embed: EmbedFn,
    options: ShowNotesOptions,
    exclude: Sequence[str] = (),
) -> tuple[list[Chapter], list[Passage], npt.NDArray[np.float32]]:
    """Chapters over the sentences, with the passages and embeddings they were cut from."""
    passages = passages_from([(s.start, s.end, s.text) for s in sentences], options.passage_s)
    vectors = embed([p.text for p in passages]) if passages else np.zeros((0, 1), np.float32)
    span = passages[-1].end - passages[0].start if passages else 0.0
    # A long episode gets chapters no shorter than an even split into max_chapters halves.
    min_s = max(options.min_chapter_s, span / (2 * max(1, options.max_chapters)))
    chapters = make_chapters(passages, vectors, min_s, options.max_chapters, exclude)
    return chapters, passages, vectors


def summary_sentences(
    sentences: Sequence[Sentence],
    chapters: Sequence[Chapter],
    passages: Sequence[Passage],
    vectors: npt.NDArray[np.float32],
    embed: EmbedFn,
    count: int,
) -> list[Sentence]:
    """The most central usable sentence of each chapter, best ``count`` of them, in time order.

    Only the sentences of each chapter's ``CENTRAL_PASSAGES`` most central passages are
    embedded, so a long episode costs a few dozen extra sentences, not all of them again.
    """
    if not chapters or count <= 0:
        return []
    episode = _unit(vectors.mean(axis=0))
    candidates: list[tuple[Sentence, npt.NDArray[np.float32]]] = []
    for chapter in chapters:
        centre = _unit(vectors[chapter.first : chapter.stop].mean(axis=0))
        ranked = sorted(
            range(chapter.first, chapter.stop), key=lambda i: -float(vectors[i] @ centre)
        )
        spans = [(passages[i].start, passages[i].end) for i in ranked[:CENTRAL_PASSAGES]]
        usable = [
            s
            for s in sentences
            if any(a <= s.start < b for a, b in spans) and _summary_worthy(s.text)
        ]
        candidates.extend((s, centre) for s in usable)
    if not candidates:
        return []
    embedded = embed([s.text for s, _ in candidates])
    scores = [
        float(v @ episode) + float(v @ centre)
        for v, (_, centre) in zip(embedded, candidates, strict=True)
    ]
    best: dict[float, tuple[float, Sentence]] = {}
    for score, (sentence, _) in zip(scores, candidates, strict=True):
        chapter_start = max(c.start for c in chapters if c.start <= sentence.start)
        if chapter_start not in best or score > best[chapter_start][0]:
            best[chapter_start] = (score, sentence)
    # A line repeated in two chapters (a catchphrase, a sponsor read) is said once.
    unique: dict[str, Sentence] = {}
    for _, sentence in sorted(best.values(), key=lambda item: -item[0]):
        unique.setdefault(sentence.text.lower(), sentence)
    return sorted(list(unique.values())[:count], key=lambda s: s.start)


def _unit(v: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _summary_worthy(text: str) -> bool:
    n = len(text.split())
    return (
        SUMMARY_MIN_WORDS <= n <= SUMMARY_MAX_WORDS
        and not text.rstrip().endswith("?")
        and not is_filler_sentence(text)
        and opener_penalty(text) <= SUMMARY_MAX_OPENER_PENALTY
    )


def key_quotes(
    segments: Sequence[Segment],
    moments: Sequence[ScoredMoment],
    count: int,
    host_name: str | None,
    guest_name: str | None,
) -> list[Quote]:
    """The best-ranked moments' pull quotes, with their start time and speaker."""
    quotes: list[Quote] = []
    seen: set[str] = set()
    for moment in moments:
        text = moment.pull_quote.strip()
        if not text or text.lower() in seen:
            continue
        if len(quotes) == count:
            break
        seen.add(text.lower())
        start = _quote_start(segments, moment, text)
        label = _speaker_at(segments, start)
        quotes.append(Quote(start, text, display_name(label, host_name, guest_name)))
    return quotes


def _norm(word: str) -> str:
    return re.sub(r"[^\w']|_", "", word.lower())  # letters of any script, digits, apostrophes


def _quote_start(segments: Sequence[Segment], moment: ScoredMoment, text: str) -> float:
    """Where the quote's first words are spoken inside the moment (else the moment's start)."""
    head = [_norm(w) for w in text.split()[:4] if _norm(w)]
    words = [
        w
        for s in segments
        for w in s.words
        if moment.start - 1e-3 <= w.start and w.end <= moment.end + 1e-3
    ]
    normed = [_norm(w.text) for w in words]
    for i in range(len(words) - len(head) + 1):
        if head and normed[i : i + len(head)] == head:
            return words[i].start
    return moment.start


def _speaker_at(segments: Sequence[Segment], t: float) -> str | None:
    for s in segments:
        if s.start - 1e-3 <= t <= s.end + 1e-3:
            return s.speaker
    return None


def summary_paragraph(
    chapters: Sequence[Chapter],
    picked: Sequence[Sentence],
    host_name: str | None,
    guest_name: str | None,
) -> str:
    """An opening line with the names and topics, then the extracted sentences."""
    # Each chapter's leading phrase, in order, names what the episode covers.
    topics = list(dict.fromkeys(c.phrases[0] for c in chapters if c.phrases))[:SUMMARY_TOPICS]
    about = _join(topics)
    host = host_name or "The host"
    if guest_name:
        lead = f"{host} talks with {guest_name}" + (f" about {about}." if about else ".")
    else:
        lead = f"{host} talks about {about}." if about else ""
    body = " ".join(_sentence_text(s.text) for s in picked)
    return " ".join(part for part in (lead, body) if part)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence_text(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def render_markdown(
    title: str,
    summary: str,
    chapters: Sequence[Chapter],
    quotes: Sequence[Quote],
    host_name: str | None,
    guest_name: str | None,
    with_hours: bool,
) -> str:
    """The notes as Markdown: title, summary, names, chapters, key quotes."""
    lines = [f"# {title.strip() or 'Show notes'}", ""]
    if summary:
        lines += [summary, ""]
    if guest_name:
        lines.append(f"**Guest:** {guest_name}  ")
    if host_name:
        lines.append(f"**Host:** {host_name}  ")
    if guest_name or host_name:
        lines.append("")
    if chapters:
        lines += ["## Chapters", ""]
        lines += [f"- {format_timestamp(c.start, with_hours)} {c.title}" for c in chapters]
        lines.append("")
    if quotes:
        lines += ["## Key quotes", ""]
        for q in quotes:
            who = f" — {q.speaker}" if q.speaker else ""
            lines.append(f"- {format_timestamp(q.start, with_hours)} “{q.text}”{who}")
        lines.append("")
    return "\n".join(lines)


def build_show_notes_markdown(
    segments: Sequence[Segment],
    moments: Sequence[ScoredMoment],
    embed: EmbedFn,
    title: str,
    host_name: str | None = None,
    guest_name: str | None = None,
    options: ShowNotesOptions = ShowNotesOptions(),
) -> str:
    """Markdown show notes for a diarized transcript and its ranked moments (best first)."""
    sentences = build_sentences(segments)
    names = [n for n in (title, host_name, guest_name) if n]
    chapters, passages, vectors = chapters_for(sentences, embed, options, names)
    if chapters:
        # YouTube and podcast apps want the first chapter at 0:00.
        chapters[0] = replace(chapters[0], start=0.0)
    picked = summary_sentences(
        sentences, chapters, passages, vectors, embed, options.summary_sentences
    )
    summary = summary_paragraph(chapters, picked, host_name, guest_name)
    quotes = key_quotes(segments, moments, options.key_quotes, host_name, guest_name)
    end = max((s.end for s in segments), default=0.0)
    return render_markdown(title, summary, chapters, quotes, host_name, guest_name, end >= 3600)
