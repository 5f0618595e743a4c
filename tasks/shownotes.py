"""Stage 4b: Markdown show notes from the diarized transcript and the ranked moments.

Chapters and the summary embed ~20 s passages plus a few candidate sentences with the same
MiniLM model scoring uses (loaded once per process), so the notes cost a fraction of scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prefect import task

from podclip.core.identity import ContentIdentity
from podclip.core.records import ClipPlan, Transcript
from podclip.core.settings import ShowNotesSettings
from podclip.scoring.shownotes import ShowNotesOptions, build_show_notes_markdown
from podclip.scoring.types import ScoredMoment
from podclip.store.clips import EpisodeOutput
from podclip.tasks.keys import package_identity, stage_policy
from podclip.tasks.retry import retry_unless_permanent


@dataclass(frozen=True)
class NotesOptions(ContentIdentity):
    """Everything that changes the show notes besides the transcript, moments and names."""

    notes: ShowNotesOptions
    """Chapter, summary and quote counts and lengths."""
    scoring_code: str
    """sha256 of the ``scoring`` package's code and weights (chapters, MiniLM, text rules)."""
    device: str
    """Where MiniLM runs: ``cuda`` when torch sees a GPU, else ``cpu``."""


def show_notes_options(settings: ShowNotesSettings) -> NotesOptions:
    """The job's show-notes record from podclip's settings."""
    from podclip.scoring.embedder import embed_device

    return NotesOptions(
        notes=ShowNotesOptions(
            min_chapter_s=settings.min_chapter_seconds,
            max_chapters=settings.max_chapters,
            passage_s=settings.passage_seconds,
            summary_sentences=settings.summary_sentences,
            key_quotes=settings.key_quotes,
        ),
        scoring_code=package_identity("podclip.scoring"),
        device=embed_device(),
    )


def ranked_moments(plans: Sequence[ClipPlan]) -> tuple[ScoredMoment, ...]:
    """The planned clips' moments, best rank first."""
    return tuple(p.moment for p in sorted(plans, key=lambda p: p.rank))


@task(
    name="build_show_notes",
    cache_policy=stage_policy(),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def build_show_notes(
    transcript: Transcript,
    moments: tuple[ScoredMoment, ...],
    title: str,
    host_name: str | None,
    guest_name: str | None,
    options: NotesOptions,
) -> str:
    """The episode's show notes as Markdown."""
    from podclip.scoring.classifier import get_classifier

    # Same threads as scoring (all cores), which ran just before with the same model.
    embed = get_classifier().embed
    return build_show_notes_markdown(
        transcript.segments, moments, embed, title, host_name, guest_name, options.notes
    )


def show_notes_output(markdown: str) -> EpisodeOutput:
    """The ``show_notes`` episode output."""
    return EpisodeOutput(kind="show_notes", body=markdown)
