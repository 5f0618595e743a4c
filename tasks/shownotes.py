"""Stage 4b: Markdown show notes from the diarized transcript and the ranked moments.

Chapters and the summary embed ~20 s passages plus a few candidate sentences with the same
MiniLM model scoring uses (loaded once per process), so the notes cost a fraction of scoring.
"""

from __future__ import annotations

from collections.abc import Sequence

from podclip.scoring.shownotes import ShowNotesOptions, build_show_notes_markdown
from podclip.scoring.types import ScoredMoment
from podclip.tasks.keys import key_from
from prefect import task

from podclip.core.records import ClipPlan, Transcript
from podclip.core.settings import ShowNotesSettings
from podclip.store.clips import EpisodeOutput

SHOWNOTES_VERSION = "1"


def show_notes_options(settings: ShowNotesSettings) -> ShowNotesOptions:
    """Translate podclip's settings into the scoring package's options."""
    return ShowNotesOptions(
        min_chapter_s=settings.min_chapter_seconds,
        max_chapters=settings.max_chapters,
        passage_s=settings.passage_seconds,
        summary_sentences=settings.summary_sentences,
        key_quotes=settings.key_quotes,
    )


def ranked_moments(plans: Sequence[ClipPlan]) -> tuple[ScoredMoment, ...]:
    """The planned clips' moments, best rank first."""
    return tuple(p.moment for p in sorted(plans, key=lambda p: p.rank))


@task(
    name="build_show_notes",
    cache_key_fn=key_from(
        "build_show_notes",
        SHOWNOTES_VERSION,
        "transcript",
        "moments",
        "title",
        "host_name",
        "guest_name",
        "options",
    ),
    retries=1,
)
def build_show_notes(
    transcript: Transcript,
    moments: tuple[ScoredMoment, ...],
    title: str,
    host_name: str | None,
    guest_name: str | None,
    options: ShowNotesOptions,
) -> str:
    """The episode's show notes as Markdown."""
    from podclip.scoring.classifier import get_classifier

    # Same threads as scoring (all cores), which ran just before with the same model.
    embed = get_classifier().embed
    return build_show_notes_markdown(
        transcript.segments, moments, embed, title, host_name, guest_name, options
    )


def show_notes_output(markdown: str) -> EpisodeOutput:
    """The ``show_notes`` episode output."""
    return EpisodeOutput(kind="show_notes", body=markdown)
