"""Reason, hook and pull quote for a clip, built from the clip's own words.

* `reason`: one sentence naming the moment type and the concrete evidence that fired, with
  words quoted from the clip ('Bold prediction: names a year ("2030"), cites a figure ("half of
  all homes") and commits with "will".'). When no cue fired, it quotes the line the model
  found most typical of the type, so two clips of one type never share a reason.
* `hook`: a headline of at most `HOOK_MAX_CHARS` characters from the clip's strongest line,
  leading fillers removed, cut at a word boundary, no trailing filler or function word,
  capitalised.
* `pull_quote`: the clip's most quotable sentence, verbatim (an exact substring of the text).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .cues import CueMatch, SentenceCues, speaker_turn_share
from .labels import DISPLAY_NAME, LABELS, NONE_LABEL
from .text import FILLER_WORDS, is_filler_sentence, opener_penalty, words_of

HOOK_MAX_CHARS = 100
PHRASE_MAX_CHARS = 60
MAX_CLAUSES = 3

# Evidence looked for, in order, per type: (cue, kind) with kind "" matching any kind.
EVIDENCE: dict[str, tuple[tuple[str, str], ...]] = {
    "bold_prediction": (("figure", "year"), ("figure", "figure"), ("future", "")),
    "contrarian_take": (
        ("consensus_negation", ""),
        ("rhythm", "antithesis"),
        ("disagreement", ""),
        ("intensity", ""),
    ),
    "emotional_story": (
        ("personal_past", ""),
        ("emotion", ""),
        ("personal_past", ""),
        ("figure", "year"),
    ),
    "how_to": (("instruction", ""), ("instruction", ""), ("figure", "figure")),
    "quotable_one_liner": (("rhythm", ""), ("punchy", "")),
    "host_guest_debate": (("speaker_turns", ""), ("disagreement", ""), ("question", "")),
    "strong_opinion": (
        ("intensity", ""),
        ("intensity", ""),
        ("rhythm", "antithesis"),
        ("consensus_negation", ""),
    ),
    "founder_reveal": (("company_we", ""), ("money_metric", ""), ("figure", "figure")),
}
CLAUSE: dict[tuple[str, str], str] = {
    ("figure", "year"): 'names a year ("{p}")',
    ("figure", "figure"): 'cites a figure ("{p}")',
    ("future", ""): 'commits with "{p}"',
    ("personal_past", ""): 'tells it first-hand ("{p}")',
    ("emotion", ""): 'carries emotional stakes ("{p}")',
    ("instruction", ""): 'gives a concrete step ("{p}")',
    ("disagreement", ""): 'has direct pushback ("{p}")',
    ("question", ""): 'challenges with a question ("{p}")',
    ("punchy", ""): 'lands a {n}-word line ("{p}")',
    ("rhythm", "antithesis"): 'turns on a contrast ("{p}")',
    ("rhythm", "repeat"): 'repeats "{p}" for rhythm',
    ("money_metric", ""): 'puts numbers on the business ("{p}")',
    ("company_we", ""): 'speaks from inside the company ("{p}")',
    ("intensity", ""): 'uses emphatic wording ("{p}")',
    ("consensus_negation", ""): 'pushes against the consensus ("{p}")',
}
_LEADING_FILLERS = FILLER_WORDS | {"so", "and", "but", "look", "listen", "anyway", "oh"}
_TWO_WORD_FILLERS = frozenset({"you know", "i mean", "kind of", "sort of", "or something"})
_TRAILING_FILLERS = FILLER_WORDS | {"so", "and", "but", "or", "basically", "actually"}
_LONE_I = re.compile(r"\bi\b(?=$|[\s'\u2019,.?!])")
# Function words a headline must not end on once it has been cut short.
_WEAK_WORDS = (
    "a an the and or but so to of for in on at by with from as that which who whose is are "
    "was were be been it its my our your their his her this these those if then than "
    "because just really very not it's i'm that's there's we're you're they're he's she's"
)
_TRAILING_WEAK = frozenset(_WEAK_WORDS.split())


@dataclass(frozen=True)
class Explanation:
    """The text that ships with a clip."""

    reason: str
    hook: str
    pull_quote: str


def explain(
    moment_type: str,
    sentences: Sequence[str],
    cues: Sequence[SentenceCues],
    sentence_probs: npt.NDArray[np.floating],
    window_probs: npt.NDArray[np.floating],
    speakers: Sequence[str | None] = (),
) -> Explanation:
    """Reason, hook and pull quote for one window (rows of `sentence_probs` per sentence)."""
    t = LABELS.index(moment_type)
    strength = line_strength(sentences, cues, sentence_probs)[:, t]
    quotes = quotability(sentences, cues, sentence_probs)[:, t]
    return explain_span(moment_type, sentences, cues, strength, quotes, window_probs, speakers)


def explain_span(
    moment_type: str,
    sentences: Sequence[str],
    cues: Sequence[SentenceCues],
    strength: npt.NDArray[np.floating],
    quotes: npt.NDArray[np.floating],
    window_probs: npt.NDArray[np.floating],
    speakers: Sequence[str | None] = (),
) -> Explanation:
    """Like `explain`, from precomputed per-sentence strength and quotability for the type."""
    strongest = int(np.argmax(strength))
    reason = build_reason(moment_type, sentences, cues, strength.tolist(), window_probs, speakers)
    return Explanation(reason, make_hook(sentences[strongest]), sentences[int(np.argmax(quotes))])


def _sentence_traits(
    sentences: Sequence[str], cues: Sequence[SentenceCues]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    n_words = np.asarray([c.n_words for c in cues], dtype=np.float64)
    penalty = np.asarray([opener_penalty(s) for s in sentences], dtype=np.float64)
    filler = np.asarray([is_filler_sentence(s) for s in sentences], dtype=np.bool_)
    return n_words, penalty, filler


def line_strength(
    sentences: Sequence[str], cues: Sequence[SentenceCues], probs: npt.NDArray[np.floating]
) -> npt.NDArray[np.float64]:
    """(sentences x labels): how well each sentence carries each type on its own as a headline."""
    n_words, penalty, filler = _sentence_traits(sentences, cues)
    length = np.where((n_words >= 6) & (n_words <= 25), 0.3, 0.0)
    length += np.where(
        ((n_words >= 4) & (n_words < 6)) | ((n_words > 25) & (n_words <= 40)), 0.1, 0.0
    )
    cue_share = np.asarray([sum(c.values) / len(c.values) for c in cues], dtype=np.float64)
    base = length + 0.3 * cue_share - 0.2 * penalty
    out = np.asarray(probs, dtype=np.float64) + base[:, None]
    out[filler] = -1.0
    return out


def quotability(
    sentences: Sequence[str], cues: Sequence[SentenceCues], probs: npt.NDArray[np.floating]
) -> npt.NDArray[np.float64]:
    """(sentences x labels): how well each sentence stands alone as a quote for each type."""
    n_words, penalty, filler = _sentence_traits(sentences, cues)
    p = np.asarray(probs, dtype=np.float64)
    length = np.where((n_words >= 6) & (n_words <= 25), 0.3, np.where(n_words <= 35, 0.1, -0.3))
    rhythm = np.asarray([0.2 if c.fired("rhythm") else 0.0 for c in cues])
    question = np.asarray([-0.2 if c.fired("question") else 0.0 for c in cues])
    base = p[:, LABELS.index("quotable_one_liner")] + length + rhythm + question - 0.3 * penalty
    out: npt.NDArray[np.float64] = base[:, None] + 0.5 * p
    out[filler | (n_words < 4)] = -1.0
    return out


def build_reason(
    moment_type: str,
    sentences: Sequence[str],
    cues: Sequence[SentenceCues],
    strength: Sequence[float],
    window_probs: npt.NDArray[np.floating],
    speakers: Sequence[str | None],
) -> str:
    """'<Type>: <what fired, quoted>.' with at most MAX_CLAUSES pieces of evidence."""
    order = sorted(range(len(sentences)), key=lambda i: -strength[i])
    used: set[str] = set()
    # Evidence per clause template, in first-found order; a cue found twice shares one clause.
    found: dict[str, list[CueMatch]] = {}
    clauses: list[str] = []
    n_found = 0
    for cue, kind in EVIDENCE.get(moment_type, ()):
        if n_found == MAX_CLAUSES:
            break
        if cue == "speaker_turns":
            turns = sum(1 for a, b in itertools.pairwise(speakers) if a and b and a != b)
            if turns and speaker_turn_share(speakers) > 0:
                times = "once" if turns == 1 else f"{turns} times"
                clauses.append(f"goes back and forth between speakers ({times})")
                n_found += 1
            continue
        match = _find(cue, kind, order, cues, used)
        if match is None:
            continue
        used.add(match.phrase.lower())
        template = CLAUSE.get((cue, match.kind if cue == "rhythm" else kind)) or CLAUSE[(cue, "")]
        found.setdefault(template, []).append(match)
        n_found += 1
    for template, matches in found.items():
        phrase = '", "'.join(_clip(m.phrase, PHRASE_MAX_CHARS) for m in matches)
        clauses.append(template.format(p=phrase, n=len(words_of(matches[0].phrase))))
    p_type = float(window_probs[LABELS.index(moment_type)])
    p_none = float(window_probs[LABELS.index(NONE_LABEL)])
    kind = DISPLAY_NAME[moment_type].lower()
    line = _clip(sentences[order[0]], PHRASE_MAX_CHARS)
    if p_none > p_type:
        # Mostly not a moment (kept to fill the clip count): say so, and what it leans towards.
        lead = f"General talk leaning {kind} ({p_type:.0%})"
        if not clauses:
            return f'{lead}, strongest on "{line}".'
        return f"{lead}: {_join(clauses)}."
    if not clauses:
        return f'{DISPLAY_NAME[moment_type]}: the line "{line}" reads as a {kind} ({p_type:.0%}).'
    if not any('"' in c for c in clauses):
        # Every reason quotes the clip, so two clips of one type never read the same.
        clauses[-1] += f' around "{line}"'
    return f"{DISPLAY_NAME[moment_type]}: {_join(clauses)}."


def _find(
    cue: str, kind: str, order: Sequence[int], cues: Sequence[SentenceCues], used: set[str]
) -> CueMatch | None:
    for i in order:
        for m in cues[i].matches:
            if m.cue == cue and (not kind or m.kind == kind) and m.phrase.lower() not in used:
                return m
    return None


def _join(parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _clip(text: str, limit: int) -> str:
    """Cut at a word boundary to at most `limit` characters; straight quotes become single."""
    text = text.replace('"', "'").strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "..."


@functools.lru_cache(maxsize=8192)
def make_hook(line: str) -> str:
    """A headline from a transcript line: fillers off, <= HOOK_MAX_CHARS, capitalised."""
    tokens = line.split()
    while tokens:
        first = words_of(tokens[0])
        if not first or (len(first) == 1 and first[0] in _LEADING_FILLERS):
            tokens.pop(0)
        elif len(tokens) > 1 and " ".join(words_of(" ".join(tokens[:2]))) in _TWO_WORD_FILLERS:
            tokens = tokens[2:]
        else:
            break
    text = " ".join(tokens).strip(" ,;:-") or line.strip()
    trimmed = len(text) > HOOK_MAX_CHARS
    if trimmed:
        text = text[: HOOK_MAX_CHARS + 1].rsplit(" ", 1)[0]
    end_mark = text[-1] if not trimmed and text.endswith(("?", "!")) else ""
    words = text.rstrip(" .,;:-!?").split()
    weak = _TRAILING_FILLERS | (_TRAILING_WEAK if trimmed else frozenset())
    while len(words) > 1:
        last = " ".join(words_of(words[-1]))
        last_two = " ".join(words_of(" ".join(words[-2:])))
        if last_two in _TWO_WORD_FILLERS:
            words = words[:-2]
        elif last in weak or not last:
            words.pop()
        else:
            break
    text = " ".join(words).rstrip(" .,;:-")
    if end_mark and len(text) < HOOK_MAX_CHARS:
        text += end_mark
    # Lower-cased ASR writes "i"; a headline should not.
    text = _LONE_I.sub("I", text)
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    return text
