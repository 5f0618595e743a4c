"""What the command modules share: the two consoles, local settings and the clip table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from podclip.core.runtime import prepare_environment
from podclip.core.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)


@dataclass(frozen=True)
class ClipLine:
    """One row of the clip table and the file paths or links printed below it."""

    rank: int
    moment_type: str
    score: float
    start_seconds: float
    end_seconds: float
    hook: str
    locations: tuple[str, ...] = ()


def local_settings() -> Settings:
    """The process settings, with the environment prepared and the lake's tables in place."""
    settings = get_settings()
    prepare_environment(settings)
    from podclip.store import lake

    lake.ensure_schema(settings)
    return settings


def print_clips(lines: Iterable[ClipLine]) -> None:
    """The ranked clip table, then each clip's files or links, whole, so they can be copied."""
    ordered = sorted(lines, key=lambda line: line.rank)
    table = Table("rank", "type", "score", "start-end", "hook")
    for line in ordered:
        table.add_row(
            str(line.rank),
            line.moment_type,
            f"{line.score:.0f}",
            f"{clock(line.start_seconds)}-{clock(line.end_seconds)}",
            escape(line.hook),
        )
    console.print(table)
    # Below the table: a table column would cut long paths.
    for line in ordered:
        for location in line.locations:
            console.print(f"{line.rank}. {location}", soft_wrap=True, highlight=False)


def clock(seconds: float) -> str:
    """``m:ss`` for a time in seconds."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"
