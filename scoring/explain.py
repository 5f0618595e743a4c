"""Reason, hook and pull quote for a clip, built from the clip's own words.

* `reason`: what happens in this clip, from its own words: who (one speaker or several, from
  the turns), what they do (the type, with the evidence its cues found: a date, a number, a
  first-hand past, pushback), about what (the names the clip repeats) and its key line, e.g.
  'One speaker tells a personal story from their own past with feeling ("cried") about
  Al-Anon: "I sat in my car and cried".' (no type name with a percentage, no fixed template
  per type). Evidence is quoted only when it says something the clause does not ("I was",
  "but you" and an imperative's opening words already in the key line are not).
* `hook`: the clip's strongest sentence that stands alone (starts at a sentence start, ends
  at its end, at most `HOOK_MAX_CHARS` characters, not a bare short question, not opening on
  "and", "but", "that's why" ...); when no sentence qualifies, the strongest one's opening
  clauses up to a clause boundary. Leading fillers go; the text is capitalised.
* `pull_quote`: the clip's most quotable sentence, verbatim (an exact substring of the text).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .cues import CueMatch, SentenceCues
from .labels import DISPLAY_NAME, LABELS, NONE_LABEL
from .text import (
    FILLER_WORDS,
    LOWER,
    UPPER,
    ends_sentence,
    is_filler_sentence,
    opener_penalty,
    words_of,
)

HOOK_MAX_CHARS = 120
PHRASE_MAX_CHARS = 60
KEY_LINE_MAX_CHARS = 110
# How much weaker than the clip's strongest line (line_strength) a line may be and still be
# quoted in the reason instead of the hook's own line.
KEY_LINE_MARGIN = 0.25
MIN_HOOK_WORDS = 5
# A question shorter than this ("It's a hard thing?") is no hook on its own.
MIN_QUESTION_WORDS = 8
MAX_HOOK_OPENER_PENALTY = 0.45
_CLOSERS = "\"')]}\u00bb\u201d\u2019"
_TRAILING_OFF = ("-", "\u2026", "...", "\u2014")
_TAG_MARKS = (",", *_TRAILING_OFF)  # what sets a filler tag apart from the words before it
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[-\u2013\u2014]\s")
# Where a speaker broke off and began again: a trailing-off mark, then a capital.
_RESTART = re.compile(rf"(?:(?<=\u2026)|(?<=\.\.\.)|(?<=[-\u2013\u2014]))\s+(?=[{UPPER}])")

_LEADING_FILLERS = FILLER_WORDS | {"so", "and", "but", "look", "listen", "anyway", "oh"}
_TWO_WORD_FILLERS = frozenset({"you know", "i mean", "kind of", "sort of", "or something"})
# Openers that are fillers only as a tag with a comma ("Look, ..."), not in "Right now" or
# "Look at this".
_LEADING_WORDS = frozenset({"right", "look", "listen"})
# After these, a two-word filler is the sentence's own words ("You know what?", "I mean it").
_FILLER_OBJECTS = frozenset(
    {"what", "who", "how", "why", "where", "when", "which", "whether", "if", "it", "that"}
)
_TRAILING_FILLERS = FILLER_WORDS | {"so", "and", "but", "or", "basically", "actually"}
# Fillers that are also words: off a whole sentence's end only as a tag after a comma
# ("..., right?") or after another filler, never where they finish it ("Is that right?",
# "I think so", "we did it well").
_WORD_FILLERS = frozenset({"right", "well", "okay", "ok", "so", "yeah", "yep"})
# Words after which a final "like" finishes the sentence ("it sounds like") rather than
# trailing off ("and scout like"), as it does in any "what ... like" sentence.
_LIKE_VERBS = frozenset(
    {"sound", "sounds", "sounded", "look", "looks", "looked", "feel", "feels", "felt"}
    | {"seem", "seems", "seemed", "smell", "smells", "smelled", "taste", "tastes", "tasted"}
)
# Pronouns that, closing a sentence, point back at something said before it.
_BACK_REFERENCES = frozenset({"that", "this", "it", "them", "those", "these"})
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
    whole_clause: Callable[[str], bool] | None = None,
    topics: Sequence[str] = (),
) -> Explanation:
    """Like `explain`, from precomputed per-sentence strength and quotability for the type
    (`whole_clause`: see `pick_hook`; `topics`: see `build_reason`)."""
    hook = pick_hook(sentences, strength.tolist(), whole_clause)
    reason = build_reason(
        moment_type, sentences, cues, strength.tolist(), window_probs, speakers, hook, topics
    )
    return Explanation(reason, hook, sentences[int(np.argmax(quotes))])


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
    hook: str = "",
    topics: Sequence[str] = (),
) -> str:
    """'<Who> <does what> <about what>: "<the clip's key line>"', from this clip's own words.

    Who comes from the clip's speaker turns, what from the type and the evidence its cues found
    (a year, a figure, a first-hand past, pushback ...), about what from the names the clip
    repeats and then its `topics` (the nouns it repeats, `topics.clip_topics`), and the key
    line is the clip's strongest sentence other than the `hook` (which ships beside the
    reason), cut at a clause boundary; the hook's own line when no other is substantial.
    """
    order = sorted(range(len(sentences)), key=lambda i: -strength[i])
    who = _who(sentences, speakers, moment_type)
    key = _key_line(sentences, order, hook, strength)
    action = _action(moment_type, sentences, cues, order, speakers, key)
    # A topic the evidence already quotes ('with a number ("two million dollars")') is not
    # said again.
    quoted = set(words_of(action))
    about = _about(sentences, [t for t in topics if t.split()[-1].lower() not in quoted])
    p_type = float(window_probs[LABELS.index(moment_type)])
    p_none = float(window_probs[LABELS.index(NONE_LABEL)])
    lead = f"{who} {action}{f' {about}' if about else ''}"
    name = DISPLAY_NAME[moment_type].lower()
    a_name = f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
    talks = f"{who} talk{'s' if who.startswith('One') else ''}{f' {about}' if about else ''}"
    if p_none > p_type:
        # Mostly not a moment (kept to fill the clip count): say so plainly.
        lead = f"{talks}, leaning towards {a_name}"
    elif p_type < TYPE_SURE_SHARE * (1.0 - p_none):
        # A moment whose kind is in doubt: the type is a guess, not what happens.
        lead = f"{talks}, most like {a_name}"
    if not key:
        return f"{lead}."
    return f'{lead}: "{key if key.endswith("...") else key.rstrip(".")}".'


# Below this share of the moment types' probability the type is named as a guess. Held out
# (leave one episode out, the 225 real moments), the type was right for 30-37 % of the
# passages under a share of 0.5, 53 % at 0.5-0.6 and 68-75 % above 0.6.
TYPE_SURE_SHARE = 0.5
# What a speaker does in a clip of each type; `{many}` is used when several speakers share it.
ACTIONS: dict[str, tuple[str, str]] = {
    "bold_prediction": ("predicts", "predict"),
    "contrarian_take": ("argues against the usual view", "argue against the usual view"),
    "emotional_story": ("tells a personal story", "share a personal story"),
    "how_to": ("walks through how to do it", "walk through how to do it"),
    "quotable_one_liner": ("lands a line", "land a line"),
    "host_guest_debate": ("argues a point", "argue it out"),
    "strong_opinion": ("makes a forceful case", "make a forceful case"),
    "founder_reveal": ("reveals how the business works", "reveal how the business works"),
}
# Evidence clauses added to the action, per (cue, kind).
EVIDENCE_CLAUSE: dict[tuple[str, str], str] = {
    ("figure", "year"): 'with a date ("{p}")',
    ("figure", "figure"): 'with a number ("{p}")',
    # "I was", "I stopped": a first-person past tense says no more than the clause itself.
    ("personal_past", ""): "from their own past",
    ("emotion", ""): 'with feeling ("{p}")',
    ("instruction", ""): 'with a concrete step ("{p}")',
    ("disagreement", ""): 'with pushback ("{p}")',
    ("consensus_negation", ""): 'against what most people say ("{p}")',
    ("money_metric", ""): 'with the money ("{p}")',
    ("company_we", ""): "from inside the company",
}
# The contrarian verb already says "against the usual view": its evidence only quotes it.
_OWN_CLAUSE: dict[tuple[str, str], str] = {("contrarian_take", "consensus_negation"): '("{p}")'}
_NUMBER_WORDS = {1: "once", 2: "twice"}
# A speaker counts when they say at least 15 % of the words: at most six do.
_COUNT_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six"}


def _who(sentences: Sequence[str], speakers: Sequence[str | None], moment_type: str) -> str:
    counts: dict[str, int] = {}
    for sentence, speaker in zip(sentences, speakers, strict=False):
        if speaker:
            counts[speaker] = counts.get(speaker, 0) + len(sentence.split())
    total = sum(counts.values())
    major = [k for k, v in counts.items() if total and v >= 0.15 * total]
    if len(major) >= 2:
        return f"{_COUNT_WORDS.get(len(major), str(len(major)))} speakers"
    return "One speaker"


def _action(
    moment_type: str,
    sentences: Sequence[str],
    cues: Sequence[SentenceCues],
    order: Sequence[int],
    speakers: Sequence[str | None],
    key: str,
) -> str:
    one, many = ACTIONS.get(moment_type, ("talks", "talk"))
    turns = sum(1 for a, b in itertools.pairwise(speakers) if a and b and a != b)
    several = len({s for s in speakers if s}) >= 2 and turns >= 1
    verb = many if several and _who(sentences, speakers, moment_type) != "One speaker" else one
    parts = [verb]
    evidence: list[str] = []
    used: set[str] = set()
    if moment_type == "host_guest_debate" and turns:
        times = _NUMBER_WORDS.get(turns, f"{turns} times")
        parts.append(f"(the floor changes hands {times})")
    for (cue, kind), generic in EVIDENCE_CLAUSE.items():
        if (cue, kind) not in _WANTED.get(moment_type, ()):
            continue
        clause = _OWN_CLAUSE.get((moment_type, cue), generic)
        match = _find(cue, kind, order, cues, used)
        # One piece of evidence per phrase: "two million dollars" is not also "million dollars".
        if match is not None and not any(match.phrase.lower() in u for u in used):
            used.add(match.phrase.lower())
            phrase = _evidence(match, key)
            if phrase or "{p}" not in clause:
                evidence.append(clause.format(p=_clip(phrase, PHRASE_MAX_CHARS).replace('"', "'")))
            elif not clause.startswith("("):  # nothing worth quoting: "with a concrete step"
                evidence.append(clause.split(" (", 1)[0])
        if len(parts) + len(evidence) >= 3:
            break
    return " ".join([*parts, *_joined(evidence)])


def _joined(clauses: Sequence[str]) -> list[str]:
    """Two evidence clauses read as one: 'with a number ("12") and a concrete step', or
    'from their own past, with feeling ("crying")'."""
    if len(clauses) < 2:
        return list(clauses)
    first, second = clauses[0], clauses[1]
    if first.startswith("with ") and second.startswith("with "):
        return [f"{first} and {second.removeprefix('with ')}", *clauses[2:]]
    return [f"{first}, {second}", *clauses[2:]]


# Words that carry no evidence on their own: an evidence phrase made only of these ("but
# you", "you want to") is not quoted.
_PLAIN_WORDS = frozenset(
    (
        _WEAK_WORDS + " i you he she we they me him us them what do does did have has had "
        "want need can could would should will make sure go get got let let's then now"
    ).split()
)


def _evidence(match: CueMatch, key: str) -> str:
    """The phrase worth quoting for a cue match, or "" when it would say nothing.

    An instruction match is the opening words of an imperative line ("Break up with the"):
    cut short, it is quoted only when it is not already in the key line and keeps two words
    once trailing function words are off.
    """
    phrase = match.phrase.strip()
    words = phrase.split()
    if match.cue == "instruction":
        while words and " ".join(words_of(words[-1])) in _TRAILING_WEAK | _TRAILING_FILLERS:
            words.pop()
        phrase = " ".join(words).rstrip(" ,;:-")
        if len(words) < 2 or phrase.lower() in key.lower():
            return ""
    if all(w in _PLAIN_WORDS for w in words_of(phrase)):
        return ""
    return phrase


# Which evidence clauses fit which type, most telling first.
_WANTED: dict[str, tuple[tuple[str, str], ...]] = {
    "bold_prediction": (("figure", "year"), ("figure", "figure")),
    "contrarian_take": (("consensus_negation", ""), ("disagreement", "")),
    "emotional_story": (("personal_past", ""), ("emotion", ""), ("figure", "year")),
    "how_to": (("instruction", ""), ("figure", "figure")),
    "quotable_one_liner": (),
    "host_guest_debate": (("disagreement", ""),),
    "strong_opinion": (("consensus_negation", ""),),
    "founder_reveal": (("company_we", ""), ("money_metric", ""), ("figure", "figure")),
}
# Not after an end mark, a trailing-off ellipsis or a dash: the speaker restarts there, so the
# capital is a sentence start ("You're not… Actually, ..."), not a name.
_CAPITAL_WORD = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)*"  # "Al-Anon" is one word
# A name runs over capitalised words, and over "of" / "for" / "of the" between two of them
# ("Therapy for Black Girls", "Department of Justice").
_PROPER = re.compile(
    rf"(?<![.!?…\-\u2014\u2013]\s)(?<!^)(?<![-{UPPER}{LOWER}]){_CAPITAL_WORD}"
    rf"(?:(?:\s(?:of|for|of\sthe))?\s{_CAPITAL_WORD})*"
)
# Capitalised adjectives of people ("Black people", "Asian women", "British TV"): a name made
# only of these is no topic.
_PEOPLE_ADJECTIVE_WORDS = (
    "Black White Brown Asian Latino Latina Latinx Hispanic African American British English "
    "European Indian Chinese Japanese Korean Mexican Jewish Muslim Christian Catholic "
    "Native Indigenous Arab Caribbean Canadian French German Italian Spanish Irish "
    "Scottish Russian Western Eastern Northern Southern"
)
_PEOPLE_ADJECTIVES = frozenset(_PEOPLE_ADJECTIVE_WORDS.split())
# Capitalised words that open quoted speech or questions, not names.
_NOT_TOPIC_WORDS = (
    "I I'm I've I'll I'd God Okay Yeah Yes No Oh So And But Or The A An This That These "
    "Those Like Mm Um Uh Why What How When Where Who Which Is Are Was Were Do Does Did Can "
    "Could Would Should Will Really Well Now Then Hey Hi Bye Thank Thanks Please Let We "
    "You He She They It My Your Our His Her Their Me Us Him Them If Just Not Maybe Sure "
    "Right Wow Man Girl Dude Bro Look Listen Here There All Every Some Because Actually "
    "Honestly Basically Obviously Anyway Literally Seriously Ooh Ah Aw Ugh Whoa Huh Oops Yay "
    "Nah Yep Yup Nope Ha Haha Wait Gosh Jeez Dang Damn Alright Exactly Totally Absolutely"
)
_NOT_TOPICS = frozenset(_NOT_TOPIC_WORDS.split())
# A Latin-letter word with no vowel is a sound, not a name ("Pfft", "Hmm", "Shh", "Tsk").
_NO_VOWEL = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]+")


def _about(sentences: Sequence[str], topics: Sequence[str] = ()) -> str:
    """'about X and Y': the proper names the clip repeats, most mentioned first, then its
    `topics` (common nouns) while fewer than two are named.

    A name counts from its second mention, or from its first when it has several words
    ("Andrew Gillum"); a plural is its singular ("Ferraris", "Ferrari"); a name at a sentence
    start or made only of adjectives of people ("Black", "Asian") is not counted. A topic
    whose noun a chosen name already holds ("lunch" beside "Latinos Who Lunch") is left out.
    """
    counts: dict[str, int] = {}
    # A capitalised word that the clip also says in lower case ("You", "Why") is no name.
    lower = frozenset().union(*(_lower_case_words(s) for s in sentences))
    for sentence in sentences:
        for name in _candidate_names(sentence):
            if name.split()[0].lower() not in lower:
                counts[name] = counts.get(name, 0) + 1
    for name in list(counts):
        singular = name.removesuffix("s")
        if singular != name and singular in counts:
            counts[singular] += counts.pop(name)
    repeated = [n for n, k in counts.items() if k >= 2 or " " in n]
    names = sorted(repeated, key=lambda n: (-counts[n], sentences_index(sentences, n)))[:2]
    held = " ".join(names).lower().split()
    for topic in topics:
        if len(names) >= 2:
            break
        if topic.split()[-1].lower() not in held:
            names.append(topic)
    return f"about {' and '.join(names)}" if names else ""


_LOWER_CASE_WORD = re.compile(rf"\b[{LOWER}][{LOWER}']+\b")


@functools.lru_cache(maxsize=65536)
def _lower_case_words(sentence: str) -> frozenset[str]:
    return frozenset(_LOWER_CASE_WORD.findall(sentence))


@functools.lru_cache(maxsize=65536)
def _candidate_names(sentence: str) -> tuple[str, ...]:
    """The capitalised runs of a sentence that may be names, in order, repeats kept."""
    names = []
    for m in _PROPER.finditer(sentence):
        name = m.group(0)
        first = name.split()[0]
        if (
            first not in _NOT_TOPICS
            and len(name) > 2
            and _NO_VOWEL.fullmatch(first) is None  # a sound, not a name
            and not set(name.split()) <= _PEOPLE_ADJECTIVES
        ):
            names.append(name)
    return tuple(names)


def sentences_index(sentences: Sequence[str], name: str) -> int:
    """Index of the first sentence naming `name` (ties go to the earlier mention)."""
    return next((i for i, s in enumerate(sentences) if name in s), len(sentences))


def _key_line(
    sentences: Sequence[str],
    order: Sequence[int],
    hook: str = "",
    strength: Sequence[float] = (),
) -> str:
    """The clip's strongest substantial sentence (or restart piece), fillers off, cut at a
    clause boundary. A line other than the `hook`'s goes first when its sentence's strength
    is within KEY_LINE_MARGIN of the strongest: the reason then quotes more of the clip than
    the hook beside it does, but never a line much weaker than the hook's."""
    pieces = _pieces(sentences, order)
    cased = has_case(*sentences)
    top = max(strength, default=0.0)
    near = {
        piece
        for i in order
        if not strength or strength[i] >= top - KEY_LINE_MARGIN
        for piece in restart_pieces(sentences[i])
    }
    # A sentence start keeps its capital once the fillers before it are off ("Yeah, the next
    # day ..." is quoted "The next day ...").
    found = [(opener, piece in near) for piece in pieces if (opener := _as_opener(piece, cased))]
    # Those the speaker finished first (as `_openers` orders them).
    openers = [(_capitalised(o[0]), close) for o, close in sorted(found, key=lambda f: f[0][1])]
    whole = [
        (line, close)
        for line, close in openers
        if len(line) <= KEY_LINE_MAX_CHARS and not trails_off(line)
    ]
    # As for the hook: a line cut off where the speaker changed is quoted only when no
    # finished one is left (in a transcript that marks its sentence ends at all).
    marked = marks_ends(*sentences)
    if whole:
        # Finished lines first; among them, a close line that is not the hook's.
        whole.sort(
            key=lambda lc: (marked and not is_finished(lc[0]), not lc[1] or same_line(lc[0], hook))
        )
        return whole[0][0].replace('"', "'")
    if openers:
        return _clause(openers[0][0].replace('"', "'"), KEY_LINE_MAX_CHARS)
    for piece in pieces:
        line = _strip_leading_fillers(piece)
        if len(words_of(line)) >= MIN_HOOK_WORDS and not is_filler_sentence(line):
            return _clause(line.replace('"', "'"), KEY_LINE_MAX_CHARS)
    return _clause(_strip_leading_fillers(pieces[0]), PHRASE_MAX_CHARS) if pieces else ""


@functools.lru_cache(maxsize=65536)
def same_line(line: str, hook: str) -> bool:
    """Whether a transcript line is where `hook` came from: the hook's words (fillers and a
    cut tail off) open the line's, or the line's open the hook's."""
    if not hook:
        return False
    a, b = words_of(line), words_of(hook)
    n = min(len(a), len(b))
    return n > 0 and a[:n] == b[:n]


def _capitalised(line: str) -> str:
    return line[:1].upper() + line[1:]


def _find(
    cue: str, kind: str, order: Sequence[int], cues: Sequence[SentenceCues], used: set[str]
) -> CueMatch | None:
    for i in order:
        for m in cues[i].matches:
            if m.cue == cue and (not kind or m.kind == kind) and m.phrase.lower() not in used:
                return m
    return None


def _clip(text: str, limit: int) -> str:
    """Cut at a word boundary to at most `limit` characters; straight quotes become single."""
    text = text.replace('"', "'").strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "..."


def _strip_leading_fillers(line: str) -> str:
    """The line without leading fillers ("yeah so", "um", "you know")."""
    tokens = line.split()
    while tokens:
        first = words_of(tokens[0])
        if not first or (
            len(first) == 1
            and first[0] in _LEADING_FILLERS
            and (first[0] not in _LEADING_WORDS or tokens[0].endswith(","))
        ):
            tokens.pop(0)
        elif (
            len(tokens) > 1
            and " ".join(words_of(" ".join(tokens[:2]))) in _TWO_WORD_FILLERS
            and (
                tokens[1].endswith(",")
                or " ".join(words_of(" ".join(tokens[2:3]))) not in _FILLER_OBJECTS
            )
        ):
            tokens = tokens[2:]
        else:
            break
    return " ".join(tokens).strip(" ,;:-") or line.strip()


def _clause(line: str, limit: int) -> str:
    """The line if it fits, else its longest opening run of clauses that fits, else a word cut."""
    if len(line) <= limit:
        return line
    cuts = [m.start() for m in _CLAUSE_END.finditer(line) if m.start() <= limit]
    for cut in reversed(cuts):
        head = line[:cut].rstrip(" ,;:-")
        if len(words_of(head)) >= MIN_HOOK_WORDS and _ends_well(head):
            return head
    return _clip(line, limit)


def _ends_well(text: str) -> bool:
    last = words_of(text.split()[-1]) if text.split() else []
    return bool(last) and last[-1] not in _TRAILING_WEAK | _TRAILING_FILLERS


@functools.lru_cache(maxsize=65536)
def hook_candidate(sentence: str, cased: bool | None = None) -> str | None:
    """The sentence as a hook when it stands alone and fits, else None.

    A hook is a whole sentence (leading fillers off): at most HOOK_MAX_CHARS, at least
    MIN_HOOK_WORDS words, not a bare short question, not opening on a word that needs what
    came before ("and", "but", "that's why", "he" ...).
    """
    line = _strip_leading_fillers(sentence)
    n = len(words_of(line))
    if len(line) > HOOK_MAX_CHARS or n < MIN_HOOK_WORDS or is_filler_sentence(line):
        return None
    if line.rstrip(_CLOSERS).endswith("?") and n < MIN_QUESTION_WORDS:
        return None
    if not stands_alone(sentence, line, cased) or trails_off(line):
        return None  # trailed off or interrupted: not a whole sentence
    return make_hook(line)


@functools.lru_cache(maxsize=65536)
def leans_back(line: str) -> bool:
    """Whether a hook line points at something said before it: past a word set off by a comma
    it opens on one that needs context ("Actually, it was ..."), or it ends on a bare pronoun
    ("... so we had that.", "... continue to do that.")."""
    tokens = line.split()
    if (
        len(tokens) > 1
        and tokens[0].endswith(",")
        and opener_penalty(" ".join(tokens[1:])) > MAX_HOOK_OPENER_PENALTY
    ):
        return True
    words = words_of(line)
    while len(words) > 1 and words[-1] in _TRAILING_FILLERS:
        words.pop()
    return len(words) > 1 and words[-1] in _BACK_REFERENCES


def is_finished(line: str) -> bool:
    """Whether the line's last word closes a sentence (`text.ends_sentence`: not "Dr.")."""
    words = line.split()
    return bool(words) and ends_sentence(words[-1])


def marks_ends(*texts: str) -> bool:
    """Whether the transcript marks sentence ends at all (any of these texts is finished): in
    one that does not, a line's end says nothing about whether the speaker finished it."""
    return any(is_finished(text) for text in texts)


def trails_off(line: str) -> bool:
    """Whether the speaker broke off before the end ("…", "...", a dash)."""
    return line.rstrip(_CLOSERS).endswith(_TRAILING_OFF)


def has_case(*texts: str) -> bool:
    """Whether the transcript has letter case at all (any capital in these texts): in an
    all-lower-case transcript a lower-case opening says nothing about sentence starts."""
    return any(ch.isupper() for text in texts for ch in text)


def stands_alone(sentence: str, line: str, cased: bool | None = None) -> bool:
    """Whether a sentence opens a thought: a sentence start (capitalised, when the transcript
    has case at all: ``cased``, judged on the sentence alone when not given) that does not lean
    on what came before ("and", "but", "whereas" ...)."""
    first = next((ch for ch in sentence if ch.isalpha()), "")
    if cased is None:
        cased = has_case(sentence)
    if cased and first.islower():
        return False  # a piece of a longer run, cut where the speaker paused
    return opener_penalty(line) <= MAX_HOOK_OPENER_PENALTY and not is_filler_sentence(line)


@functools.lru_cache(maxsize=65536)
def restart_pieces(sentence: str) -> tuple[str, ...]:
    """The sentence split where the speaker broke off and began again: a trailing-off mark
    ("…", "...", a dash) before a capital ("I just don't… The plight of ..."). Each piece is
    verbatim; a sentence without a restart is its own only piece."""
    pieces = [p.strip() for p in _RESTART.split(sentence)]
    return tuple(p for p in pieces if p) or (sentence,)


def _pieces(sentences: Sequence[str], order: Iterable[int]) -> list[str]:
    """The restart pieces of the sentences, in ``order`` (indices into ``sentences``)."""
    return [piece for i in order for piece in restart_pieces(sentences[i])]


def _openers(lines: Sequence[str], cased: bool) -> Iterator[str]:
    """The lines, fillers off, that start a sentence and have enough words: those the speaker
    finished first, then those that trail off, each group in the given order."""
    found = [opener for opener in (_as_opener(line, cased) for line in lines) if opener]
    for finished in (True, False):
        for bare, trailing in found:
            if trailing != finished:
                yield bare


# A sentence sits in a few dozen overlapping windows: its own checks are made once.
@functools.lru_cache(maxsize=65536)
def _as_opener(line: str, cased: bool) -> tuple[str, bool] | None:
    """(the line without leading fillers, whether it trails off) when it opens a sentence
    with enough words, else None."""
    bare = _strip_leading_fillers(line)
    if len(words_of(bare)) >= MIN_HOOK_WORDS and stands_alone(line, bare, cased):
        return bare, trails_off(bare)
    return None


def judges_clauses(sentences: Sequence[str]) -> bool:
    """Whether hooks of these sentences are held to whole clauses: only a transcript with
    letter case and sentence marks gives a parser something to rely on."""
    return has_case(*sentences) and marks_ends(*sentences)


def hook_candidates(sentences: Sequence[str]) -> Iterator[str]:
    """Every hook `pick_hook` may weigh among these sentences whose clause it would judge
    (each restart piece that is a hook candidate), for parsing them in one batch."""
    if not judges_clauses(sentences):
        return
    cased = has_case(*sentences)
    for piece in _pieces(sentences, range(len(sentences))):
        if hook := hook_candidate(piece, cased):
            yield hook


def pick_hook(
    sentences: Sequence[str],
    strength: Sequence[float],
    whole_clause: Callable[[str], bool] | None = None,
) -> str:
    """The strongest sentence (or restart piece) that stands alone as a hook; failing that,
    the strongest one that at least starts a sentence, cut to its opening clauses; failing
    that, the strongest line that does not lean on what came before.

    `whole_clause` (`clauses.is_whole_clause`), in a transcript with case and sentence marks,
    also holds back a fragment ("The fact that we have said this, ...") while another line
    passes."""
    lines = _pieces(sentences, sorted(range(len(sentences)), key=lambda i: -strength[i]))
    cased = has_case(*sentences)
    marked = marks_ends(*sentences)
    parse = whole_clause if judges_clauses(sentences) else None
    first = fragment = None
    for line in lines:
        hook = hook_candidate(line, cased)
        # A line that points back at what came before, or (in a punctuated transcript) one cut
        # off where the speaker changed ("... will copy" + "you, let them try"), is the hook
        # only when every line is.
        if hook and not leans_back(hook) and (is_finished(line) or not marked):
            if parse is None or parse(hook):
                return hook
            fragment = fragment or hook
        first = first or hook
    if fragment or first:
        return fragment or first or ""
    opener = next(_openers(lines, cased), None)
    if opener:
        return make_hook(opener)
    for line in lines:
        bare = _strip_leading_fillers(line)
        if len(words_of(bare)) >= MIN_HOOK_WORDS and opener_penalty(bare) <= 0.6:
            return make_hook(bare)
    return make_hook(lines[0]) if lines else ""


def _ends_on_filler(words: Sequence[str]) -> bool:
    """Whether a sentence's last word (of `words`, as transcribed) is a filler there."""
    last, before = " ".join(words_of(words[-1])), words[-2]
    previous = " ".join(words_of(before))
    if last == "like":
        # "it sounds like", "what is it like"; but "the kids are like" trails off.
        return previous not in _LIKE_VERBS and "what" not in words_of(" ".join(words[:-1]))
    if last in _WORD_FILLERS:
        return before.endswith(_TAG_MARKS) or previous in _TRAILING_FILLERS
    return True


def _finish(line: str) -> str:
    """Capitalised, a lone "i" made "I", ending on its own sentence mark."""
    text = _LONE_I.sub("I", line.strip())
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    if not text.rstrip(_CLOSERS).endswith((".", "?", "!")):
        text = text.rstrip(" ,;:-\u2026") + "."
    return text


@functools.lru_cache(maxsize=8192)
def make_hook(line: str) -> str:
    """A hook from one transcript line: fillers off; if too long, its opening clauses up to a
    clause boundary (a word cut only when no clause fits), capitalised, closed with a mark."""
    text = _strip_leading_fillers(line)
    cut = len(text) > HOOK_MAX_CHARS
    if cut:
        text = _clause(text, HOOK_MAX_CHARS - 1).removesuffix("...")
    weak = _TRAILING_FILLERS | (_TRAILING_WEAK if cut else frozenset())
    words = text.rstrip(" .,;:-!?").split()
    end_mark = text.rstrip(_CLOSERS)[-1:] if text.rstrip(_CLOSERS).endswith(("?", "!")) else ""
    while len(words) > 1:
        last = " ".join(words_of(words[-1]))
        last_two = " ".join(words_of(" ".join(words[-2:])))
        if last_two in _TWO_WORD_FILLERS:
            words = words[:-2]
        elif not last or (last in weak and (cut or _ends_on_filler(words))):
            if words[-2].endswith(_TAG_MARKS):
                end_mark = ""  # "..., right?" asks nothing once the tag is off
            words.pop()
        else:
            break
    text = " ".join(words).rstrip(" .,;:-")
    return _finish(text + end_mark) if text else ""
