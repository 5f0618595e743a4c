"""Chapters: topic boundaries from sentence embeddings, TextTiling-style, titled by key phrases.

The transcript's sentences are grouped into passages of about ``passage_s`` seconds (a passage,
not a sentence, is the unit: single spoken sentences are too short and noisy to compare). Each
gap between passages gets the cosine similarity of the mean embeddings of the ``BLOCK``
passages on either side; a topic shift is a valley, scored by its depth below the nearest peaks
on each side (Hearst's TextTiling). The deepest valleys become boundaries as long as every
chapter stays at least ``min_chapter_s`` long. Titles are each chapter's most distinctive
words and repeated word pairs (term frequency times inverse chapter frequency).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]
# Passages compared on each side of a gap.
BLOCK = 3
TITLE_PHRASES = 3

_STOPWORD_TEXT = """
    a about above after again against all almost also although always am among an and any
    anyone anything are around as at away back be because been before being below between both
    but by can cannot could did do does doing done down during each either else enough even ever
    every everyone everything few first for from further get gets getting give given go goes going
    gone good got great had has have having he her here hers herself him himself his how however i
    if in into is it its itself just keep kind know known last least less let like little lot lots
    made make makes making many may maybe me mean means might more most much must my myself need
    never new next no nobody none nor not nothing now of off often oh ok okay on once one only or
    other others our ours ourselves out over own part people per perhaps pretty put quite rather
    really right said same say saying says see seem seems several shall she should since so some
    someone something sometimes still such sure take takes talk talking tell than thank thanks that
    the their theirs them themselves then there these they thing things think thinking this those
    though through thus time times to today together too toward towards two under until up upon us
    use used very want wanted wants was way ways we well went were what whatever when where whether
    which while who whom whose why will with within without would yeah yes yet you your yours
    yourself yourselves actually basically literally probably definitely absolutely totally guess
    gonna wanna kinda sort stuff anyway okay alright uh um hmm mhm ah right look looking come comes
    coming day days year years three four five six seven eight nine ten hundred thousand million
    percent big small long lot able bit real true let's i'm you're it's that's don't didn't can't
    won't isn't wasn't there's we're they're i've you've we've i'd i'll you'll ask asked asking
    half start started call called find found feel felt work worked try tried help told bring
    believe happen happened become becomes stop stopped show episode podcast welcome hello
    having coming wrong simply simple honestly exactly"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Words of letters in any script ("Königstraße", "пекарня"), inner apostrophes and hyphens kept.
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019-])*[^\W\d_]|[^\W\d_]")


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences about ``passage_s`` long (seconds)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Chapter:
    """A topic chapter: its span (seconds), title and passage index range ``[first, stop)``."""

    start: float
    end: float
    title: str
    first: int
    stop: int
    phrases: tuple[str, ...] = ()


def passages_from(sentences: Sequence[tuple[float, float, str]], passage_s: float) -> list[Passage]:
    """Group time-ordered ``(start, end, text)`` sentences into passages of ~``passage_s``."""
    out: list[Passage] = []
    current: list[tuple[float, float, str]] = []
    for sentence in sentences:
        current.append(sentence)
        if current[-1][1] - current[0][0] >= passage_s:
            out.append(_passage(current))
            current = []
    if current:
        # A short tail joins the previous passage rather than standing alone.
        if out and current[-1][1] - current[0][0] < passage_s / 2:
            last = out.pop()
            out.append(Passage(last.start, current[-1][1], f"{last.text} {_passage(current).text}"))
        else:
            out.append(_passage(current))
    return out


def _passage(sentences: Sequence[tuple[float, float, str]]) -> Passage:
    return Passage(sentences[0][0], sentences[-1][1], " ".join(s[2] for s in sentences))


def gap_similarity(vectors: Array, block: int = BLOCK) -> npt.NDArray[np.float64]:
    """Cosine similarity across each gap ``i`` (between passages ``i`` and ``i + 1``)."""
    n = len(vectors)
    out = np.zeros(max(0, n - 1), dtype=np.float64)
    for i in range(n - 1):
        left = vectors[max(0, i + 1 - block) : i + 1].mean(axis=0)
        right = vectors[i + 1 : i + 1 + block].mean(axis=0)
        denom = float(np.linalg.norm(left) * np.linalg.norm(right))
        out[i] = float(left @ right) / denom if denom > 0 else 0.0
    return out


def depth_scores(similarity: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """How far each gap sits below the highest similarity reached climbing out on each side."""
    n = len(similarity)
    depth = np.zeros(n, dtype=np.float64)
    for i in range(n):
        left = similarity[i]
        j = i - 1
        while j >= 0 and similarity[j] >= left:
            left = similarity[j]
            j -= 1
        right = similarity[i]
        j = i + 1
        while j < n and similarity[j] >= right:
            right = similarity[j]
            j += 1
        depth[i] = (left - similarity[i]) + (right - similarity[i])
    return depth


def choose_boundaries(
    passages: Sequence[Passage],
    depth: npt.NDArray[np.float64],
    min_chapter_s: float,
    max_chapters: int,
) -> list[int]:
    """Passage indices that start a new chapter (deepest valleys first, spacing kept)."""
    if not passages or len(depth) == 0:
        return []
    cutoff = float(depth.mean()) if depth.any() else math.inf
    start, end = passages[0].start, passages[-1].end
    chosen: list[int] = []
    for gap in sorted(range(len(depth)), key=lambda g: (-depth[g], g)):
        if len(chosen) + 1 >= max_chapters or depth[gap] <= 0 or depth[gap] < cutoff:
            break
        at = passages[gap + 1].start
        edges = [start, end] + [passages[c].start for c in chosen]
        if all(abs(at - e) >= min_chapter_s for e in edges):
            chosen.append(gap + 1)
    return sorted(chosen)


def tokens(text: str) -> list[str]:
    """Words of ``text`` (letters, inner apostrophes and hyphens kept)."""
    return _TOKEN.findall(text)


def _content(word: str) -> bool:
    return len(word) > 2 and word.lower().replace("\u2019", "'") not in _STOPWORDS


def key_phrases(
    texts: Sequence[str], per_text: int = TITLE_PHRASES, exclude: Sequence[str] = ()
) -> list[list[str]]:
    """Each text's most distinctive words and repeated word pairs, best first.

    Words in ``exclude`` (the host's and guest's names, the show's title) are left out: they
    run through every chapter and say nothing about its topic.
    """
    skip = {t.lower() for phrase in exclude for t in tokens(phrase)}
    counts: list[Counter[str]] = []
    surface: dict[str, Counter[str]] = {}
    for text in texts:
        words = tokens(text)
        c: Counter[str] = Counter()
        keep = [_content(w) and w.lower() not in skip for w in words]
        for i, w in enumerate(words):
            if not keep[i]:
                continue
            key = w.lower()
            c[key] += 1
            surface.setdefault(key, Counter())[w] += 1
            if i + 1 < len(words) and keep[i + 1]:
                pair = f"{key} {words[i + 1].lower()}"
                c[pair] += 1
                surface.setdefault(pair, Counter())[f"{w} {words[i + 1]}"] += 1
        counts.append(c)
    df: Counter[str] = Counter()
    for c in counts:
        df.update(set(c))
    n = len(texts)
    out: list[list[str]] = []
    for c in counts:
        scored: dict[str, float] = {}
        for term, tf in c.items():
            is_pair = " " in term
            if is_pair and tf < 2:
                continue
            idf = math.log((1 + n) / (1 + df[term])) + 1.0
            scored[term] = tf * idf * (2.0 if is_pair else 1.0)
        picked: list[str] = []
        for term in sorted(scored, key=lambda t: (-scored[t], t)):
            parts = set(term.split())
            # A pair already covers its words, and a word inside a chosen pair adds nothing.
            if any(parts & set(p.split()) for p in picked):
                continue
            picked.append(term)
            if len(picked) == per_text:
                break
        out.append([_surface(surface[t]) for t in picked])
    return out


def _surface(forms: Counter[str]) -> str:
    """The most common spelling, lower-cased unless it is capitalised every time (a name)."""
    form = forms.most_common(1)[0][0]
    return form if all(f[:1].isupper() for f in forms) else form.lower()


def title_from(phrases: Sequence[str]) -> str:
    """``"Batteries, rebates and installers"`` from key phrases."""
    if not phrases:
        return "Conversation"
    items = list(phrases)
    text = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return text[:1].upper() + text[1:]


def make_chapters(
    passages: Sequence[Passage],
    vectors: Array,
    min_chapter_s: float,
    max_chapters: int,
    exclude: Sequence[str] = (),
) -> list[Chapter]:
    """Split passages into titled chapters; the first always starts at the first passage."""
    if not passages:
        return []
    depth = depth_scores(gap_similarity(vectors))
    starts = [0, *choose_boundaries(passages, depth, min_chapter_s, max_chapters)]
    stops = [*starts[1:], len(passages)]
    texts = [" ".join(p.text for p in passages[a:b]) for a, b in zip(starts, stops, strict=True)]
    phrases = key_phrases(texts, exclude=exclude)
    return [
        Chapter(passages[a].start, passages[b - 1].end, title_from(ph), a, b, tuple(ph))
        for a, b, ph in zip(starts, stops, phrases, strict=True)
    ]
