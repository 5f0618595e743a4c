"""What the command modules share: the two consoles, local settings and the clip table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from podclip.core.runtime import prepare_environment
from podclip.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

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
    """The process settings, with the environment prepared and both stores migrated."""
    settings = get_settings()
    prepare_environment(settings)
    migrate_stores(settings)
    return settings


def restrict_files(settings: Settings) -> None:
    """The umask and data root of ``settings.files`` (0600 files, 0700 folders by default)."""
    from podclip.core.filemodes import restrict_files as restrict

    restrict(settings)


def migrate_stores(settings: Settings) -> list[int]:
    """Migrate the operational database and the lake (the stack's start and ``podclip migrate``);
    return the operational versions applied."""
    from podclip.store import lake
    from podclip.store.migrate import migrate

    restrict_files(settings)
    applied = migrate(settings.resolved_database_url, settings=settings)
    lake.ensure_schema(settings)
    return applied


def open_database(settings: Settings) -> Engine:
    """The operational database of an admin command, migrated first (a fresh install works)."""
    from podclip.store import ops
    from podclip.store.migrate import migrate

    restrict_files(settings)
    migrate(settings.resolved_database_url, settings=settings)
    return ops.engine_for(settings.resolved_database_url)


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
