"""``podclip feeds``: watch podcast RSS feeds and queue a job for each new episode."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, NoReturn

import typer
from rich.table import Table
from sqlalchemy import Engine

from podclip.cli.common import console, err_console, open_database
from podclip.core.errors import PodclipError
from podclip.core.runtime import prepare_environment
from podclip.core.settings import get_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Watch podcast RSS feeds and queue a job for each new episode.",
)


@app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    show: Annotated[
        str | None, typer.Option("--show", help="Show name for titles (default: the feed's).")
    ] = None,
    backfill: Annotated[
        int | None,
        typer.Option(
            "--backfill", min=0, help="How many of the newest episodes the first poll queues."
        ),
    ] = None,
) -> None:
    """Watch URL; its next poll queues the BACKFILL newest episodes, later polls every new one."""
    from podclip.store import feeds

    try:
        feed = feeds.add_feed(_engine(), url, show_name=show, backfill=backfill)
    except PodclipError as exc:
        _fail(exc.message)
    console.print(f"feed [bold]{feed.id}[/] {feed.url} (backfill {feed.backfill})")


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    removed: Annotated[bool, typer.Option("--removed", help="Include removed feeds.")] = False,
) -> None:
    """Show the watched feeds and how their last poll went."""
    from podclip.store import feeds

    rows = feeds.list_feeds(_engine(), include_removed=removed)
    if as_json:
        print(json.dumps([asdict(f) for f in rows], default=str))
        return
    table = Table()
    table.add_column("id", no_wrap=True)  # ids are for copying whole
    for header in ("show", "url", "backfill", "last poll", "status", "error"):
        table.add_column(header)
    for feed in rows:
        table.add_row(
            feed.id + ("" if feed.active else " (removed)"),
            feed.display_name or "",
            feed.url,
            str(feed.backfill),
            _when(feed.last_polled_at),
            "" if feed.last_status is None else str(feed.last_status),
            feed.last_error or "",
        )
    console.print(table)


@app.command("remove")
def remove(feed_id: Annotated[str, typer.Argument(help="The id printed by `feeds add`.")]) -> None:
    """Stop watching a feed (its jobs stay)."""
    from podclip.store import feeds

    try:
        feed = feeds.remove_feed(_engine(), feed_id)
    except PodclipError as exc:
        _fail(exc.message)
    console.print(f"removed feed {feed.id} ({feed.url})")


@app.command("poll")
def poll(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Poll every watched feed now and print the jobs it queued."""
    _engine()  # settings and Prefect's environment first, then Prefect itself
    from podclip.flows.ingest import poll_feeds
    from podclip.store import ops

    results = poll_feeds()
    if as_json:
        print(json.dumps([asdict(r) for r in results], default=str))
        return
    if not results:
        console.print("no feeds to poll; add one with `podclip feeds add URL`")
    engine = _engine()
    for result in results:
        if result.error:
            err_console.print(f"[red]{result.feed_id}[/] {result.url}: {result.error}")
            continue
        note = "not modified" if result.status == 304 else f"{len(result.created_job_ids)} new"
        console.print(f"[bold]{result.feed_id}[/] {result.url}: {note}")
        for job_id in result.created_job_ids:
            job = ops.get_job(engine, job_id)
            console.print(f"  job [bold]{job.id}[/] {job.title or job.source_url}")


def _engine() -> Engine:
    settings = get_settings()
    prepare_environment(settings)
    return open_database(settings)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "never"


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error:[/] {message}")
    raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
