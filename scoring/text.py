"""Small text helpers shared by windows, cues, training and explanations.

Kept free of numpy and torch so the window builder and the cue tests stay cheap.
"""

from __future__ import annotations

import functools
import re

# Abbreviations whose trailing period does not end a sentence.
_ABBREVIATIONS = frozenset(
    {"mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "vs.", "etc.", "e.g.", "i.e.", "jr.", "sr."}
)
_CLOSERS = "\"')]}\u00bb\u201d\u2019"
# Letters and digits of any script ("königstraße", "привет"): an ASCII class cut "déjà" in two.
_WORD_RE = re.compile("[^\\W_]+(?:['\u2019][^\\W\\d_]+)*")
# Upper- and lower-case letters of the Latin, Greek and Cyrillic blocks, ASCII included, for
# patterns that need a letter's case (the re module has no \p{Lu}).
UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x530)) if c.isupper())
LOWER = "a-z" + "".join(c for c in map(chr, range(0xC0, 0x530)) if c.islower())

_SURROGATES = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """The text with any lone surrogate (what a JSON "\\ud800" escape decodes to) replaced by
    U+FFFD: UTF-8 cannot encode one, and both tokenizers reject the whole batch over it."""
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


# How much an opening word or phrase leans on what came before it (0-1). Multi-word entries
# are matched as prefixes of the lower-cased sentence; the longest match wins.
DEPENDENT_OPENERS: dict[str, float] = {
    "so that's why": 1.0,
    "that's why": 1.0,
    "which is why": 1.0,
    "like i said": 1.0,
    "as i said": 1.0,
    "as i mentioned": 1.0,
    "and": 1.0,
    "but": 1.0,
    "which": 1.0,
    "also": 1.0,
    "or": 1.0,
    "because": 0.9,
    "whereas": 1.0,
    "whereby": 1.0,
    "except": 0.8,
    "unless": 0.6,
    "plus": 0.9,
    "exactly": 0.9,
    "anyway": 0.7,
    "then": 0.6,
    # Podcast answers very often start with "so"; a mild penalty only.
    "so": 0.4,
    # A bare pronoun start: the referent may come later, so weaker than a connective.
    "he": 0.6,
    "she": 0.6,
    "it": 0.6,
    "it's": 0.5,
    "they": 0.6,
    "them": 0.6,
    "him": 0.6,
    "her": 0.6,
    "that": 0.6,
    "that's": 0.5,
    "those": 0.6,
    "these": 0.5,
    # "This is ..." / "There's ..." often open a thought on their own.
    "this": 0.3,
    "there": 0.2,
}
# Sounds of hesitation: never words of what is said.
HESITATIONS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "mm"})
FILLER_WORDS = HESITATIONS | frozenset({"yeah", "yep", "okay", "ok", "right", "well", "like"})


def words_of(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits and inner apostrophes)."""
    return [w.lower().replace("\u2019", "'") for w in _WORD_RE.findall(text)]


def ends_sentence(token: str) -> bool:
    """Whether a word as transcribed (" great.", "it?\"") closes a sentence."""
    t = token.strip().rstrip(_CLOSERS)
    if not t or t[-1] not in ".?!":
        return False
    if t.lower() in _ABBREVIATIONS:
        return False
    # "U.S." style initialisms end in a period without ending the sentence as a rule.
    return not re.fullmatch(r"(?:[A-Za-z]\.){2,}", t)


def ends_question(sentence: str) -> bool:
    """Whether a sentence ends in a question mark (closing quotes ignored)."""
    return sentence.rstrip().rstrip(_CLOSERS).endswith("?")


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences at words ending in . ? ! (the same rule as windows)."""
    sentences: list[str] = []
    current: list[str] = []
    for token in text.split():
        current.append(token)
        if ends_sentence(token):
            sentences.append(" ".join(current))
            current = []
    if current:
        sentences.append(" ".join(current))
    return sentences


@functools.lru_cache(maxsize=8192)
def opener_penalty(sentence: str) -> float:
    """How much an opening sentence needs context from before it: 0 (none) to 1."""
    worst = 0.0
    for words in _strip_fillers(" ".join(words_of(sentence))):
        for opener, penalty in DEPENDENT_OPENERS.items():
            if penalty > worst and (words == opener or words.startswith(opener + " ")):
                worst = penalty
    return worst


def _strip_fillers(lowered: str) -> list[str]:
    """The sentence with and without leading filler words ("yeah so and then ...")."""
    tokens = lowered.split()
    variants = [lowered]
    i = 0
    while i < len(tokens) and tokens[i] in FILLER_WORDS:
        i += 1
    if i:
        variants.append(" ".join(tokens[i:]))
    return variants


def is_filler_sentence(sentence: str) -> bool:
    """A backchannel or near-empty line ("Yeah.", "Right, right.", "Mm-hmm.")."""
    tokens = words_of(sentence)
    return len(tokens) <= 3 and all(t in FILLER_WORDS or len(t) <= 2 for t in tokens)
