"""Type and score one passage a producer picked by hand, with the episode's classifier.

A clip made in the studio goes through the same classifier as the pipeline's windows, so its
moment type, score, reason and hook mean what they mean on every other clip.
"""

from __future__ import annotations

import re

from prefect import task

from podclip.scoring.types import ScoredMoment, Window, Word
from podclip.tasks.keys import stage_policy
from podclip.tasks.moments import MomentOptions
from podclip.tasks.retry import retry_unless_permanent

_SENTENCE_END = re.compile(r"[.!?]$")


def sentences_of(words: tuple[Word, ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The passage cut into sentences at end punctuation, with each sentence's start (s)."""
    sentences: list[str] = []
    starts: list[float] = []
    current: list[str] = []
    for w in words:
        if not current:
            starts.append(w.start)
        current.append(w.text.strip())
        if _SENTENCE_END.search(w.text.strip()):
            sentences.append(" ".join(current))
            current = []
    if current:
        sentences.append(" ".join(current))
    return tuple(sentences), tuple(starts)


@task(
    name="score_span",
    cache_policy=stage_policy(),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def score_span(
    start: float, end: float, words: tuple[Word, ...], options: MomentOptions
) -> ScoredMoment:
    """The passage ``start``..``end`` (seconds) classified and scored as one window."""
    from podclip.scoring.scorer import score_windows

    sentences, starts = sentences_of(words)
    window = Window(
        start=start,
        end=end,
        sentences=sentences or ("",),
        words=words,
        sentence_starts=starts,
    )
    return score_windows([window], options.scoring)[0]
