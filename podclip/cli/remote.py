"""Remote commands: ``podclip submit``, ``jobs``, ``export`` and ``mcp``, over the job API.

They talk to a running server through :mod:`podclip.client` (key from ``PODCLIP_API_KEY`` or
``--api-key``, server from ``PODCLIP_API_URL`` or ``--api-url``, default
``http://127.0.0.1:8000``); ``podclip clips`` comes here too when either is given. Tables and
progress go to the terminal, ``--json`` prints the API's objects. Exit codes: 0 done, 1 an API
or network error or a failed job (its error code is printed), 2 bad usage or no key, 3 ``--wait``
timed out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from podclip.cli.common import ClipLine, err_console, print_clips
from podclip.client import (
    ENV_API_KEY,
    APIConnectionError,
    APIError,
    ConfigurationError,
    Job,
    PodclipClient,
    PodclipClientError,
    WaitTimeout,
)
from podclip.client._base import ExportFormat as ExportKind
from podclip.client._base import SourceType
from podclip.client.models import STATUS_ORDER, Clip

EXIT_API = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3

ApiUrl = Annotated[
    str | None,
    typer.Option(
        "--api-url", help="The API server (env PODCLIP_API_URL, default http://127.0.0.1:8000)."
    ),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key", help="clk_live_… or clk_test_… key (env PODCLIP_API_KEY).", show_default=False
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Platforms = Annotated[
    list[str] | None,
    typer.Option(
        "--platform",
        help="Target platform (repeatable): tiktok, reels, shorts, linkedin, x, youtube, …; "
        "default: tiktok, reels, shorts, linkedin, twitter and x.",
    ),
]


class SourceKind(StrEnum):
    video_url = "video_url"
    audio_url = "audio_url"
    rss_feed_url = "rss_feed_url"
    youtube_url = "youtube_url"


class ExportFormat(StrEnum):
    zip = "zip"
    mp4 = "mp4"


def register(app: typer.Typer) -> None:
    """Add the remote commands to the ``podclip`` app."""
    app.command("submit")(submit)
    app.command("jobs")(jobs)
    app.command("export")(export)
    app.command("mcp")(mcp)


def use_api(api_url: str | None, api_key: str | None = None) -> bool:
    """Whether ``podclip clips`` should read through the API rather than the local lake."""
    return bool(api_url or api_key or os.environ.get(ENV_API_KEY))


# -- commands ----------------------------------------------------------------------------------


def submit(
    source: Annotated[str, typer.Argument(help="An episode URL, or a local file to upload.")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the job, showing progress.")
    ] = False,
    source_type: Annotated[
        SourceKind | None,
        typer.Option("--type", help="The source type (default: inferred from the URL)."),
    ] = None,
    show: Annotated[str | None, typer.Option(help="Show name.")] = None,
    guest: Annotated[str | None, typer.Option(help="Guest name.")] = None,
    description: Annotated[str | None, typer.Option(help="Episode description.")] = None,
    platform: Platforms = None,
    clips: Annotated[int | None, typer.Option("--clips", help="How many clips (4-9).")] = None,
    trailer: Annotated[
        bool, typer.Option("--trailer", help="Also cut a trailer (video sources).")
    ] = False,
    caption_style: Annotated[str | None, typer.Option(help="Caption style preset.")] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="8-255 characters; a repeat returns the same job.")
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Give up waiting after this many seconds.")
    ] = 1800.0,
    as_json: AsJson = False,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Submit SOURCE to the job API; print the job id (with --wait: its clips)."""
    local = Path(source).expanduser()
    is_file = "://" not in source
    if is_file and not local.is_file():
        _exit(f"No such file: {source} (give an http(s) URL or a local file).", EXIT_USAGE)
    with _client(api_url, api_key) as client:
        job = client.submit(
            None if is_file else source,
            file=local if is_file else None,
            source_type=cast(SourceType, source_type.value) if source_type else None,
            show_name=show,
            guest_name=guest,
            description=description,
            platforms=platform or None,
            include_trailer=True if trailer else None,
            caption_style=caption_style,
            clip_count=clips,
            idempotency_key=idempotency_key,
        )
        if not wait:
            if as_json:
                _print_json(job.model_dump(mode="json"))
            else:
                typer.echo(job.id)
            return
        if not as_json:
            typer.echo(job.id)
        job = _wait_with_progress(client, job, timeout)
        if as_json:
            _print_json(job.model_dump(mode="json"))
        if job.status == "failed":
            error = job.error
            detail = f"{error.code}: {error.message}" if error else "unknown error"
            _exit(f"Job {job.id} failed: {detail}", EXIT_API)
        if not as_json:
            _print_clips(client.clips(job.id).clips)


def jobs(
    limit: Annotated[int, typer.Option(help="Show at most this many jobs.", min=1)] = 20,
    as_json: AsJson = False,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """List the key's jobs on the API server, newest first."""
    with _client(api_url, api_key) as client:
        rows = list(client.list(page_size=min(limit, 100), max_items=limit))
    if as_json:
        _print_json([job.model_dump(mode="json") for job in rows])
        return
    # Plain aligned columns, not a rich table: ids are what the other commands take, so they
    # are never cut, and a narrow terminal wraps the line instead.
    header = ("ID", "STATUS", "ENV", "CREATED", "CLIPS", "SOURCE")
    lines = [header] + [
        (
            job.id,
            job.status if job.error is None else f"{job.status}:{job.error.code}",
            job.environment or "",
            job.created_at.strftime("%Y-%m-%d %H:%M"),
            "" if job.clip_count is None else str(job.clip_count),
            ((job.source.url or job.source.type) if job.source else job.source_url) or "",
        )
        for job in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        typer.echo("  ".join([*cells, line[-1]]).rstrip())
    if not rows:
        err_console.print("no jobs yet")


def clips_remote(job_id: str, *, as_json: bool, api_url: str | None, api_key: str | None) -> None:
    """``podclip clips JOB`` through the API."""
    with _client(api_url, api_key) as client:
        listing = client.clips(job_id)
        job = client.get(job_id) if listing.status == "failed" else None
    if as_json:
        _print_json(listing.model_dump(mode="json"))
        return
    if job is not None and job.error is not None:
        _exit(f"Job {job_id} failed: {job.error.code}: {job.error.message}", EXIT_API)
    if listing.status != "complete":
        err_console.print(
            f"Job {escape(job_id)} is {listing.status}; clips appear once it is complete."
        )
        return
    _print_clips(listing.clips)


def export(
    job_id: Annotated[str, typer.Argument(help="A complete job's id.")],
    platform: Annotated[
        str | None, typer.Option(help="tiktok, reels, shorts, linkedin, twitter, x, youtube …")
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="vertical, square or landscape (instead of --platform).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Where to save it (default: <job>-<preset>.zip)."),
    ] = None,
    format: Annotated[
        ExportFormat | None,
        typer.Option("--format", help="zip (every clip) or mp4 (the top clip); default from -o."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the export object instead of downloading.")
    ] = False,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Export a job's clips for a platform and download the file (a ZIP of all by default)."""
    kind = format.value if format else ("mp4" if output and output.suffix == ".mp4" else "zip")
    with _client(api_url, api_key) as client:
        made = client.export(
            job_id, format=cast(ExportKind, kind), platform=platform, preset=preset
        )
        if as_json:
            _print_json(made.model_dump(mode="json"))
            return
        target = output or Path(f"{job_id}-{made.preset}.{kind}")
        if target.parent != Path() and not target.parent.is_dir():
            _exit(f"No such directory: {target.parent}", EXIT_USAGE)
        columns = (
            TextColumn("downloading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
        )
        with Progress(*columns, console=err_console, transient=True) as progress:
            bar = progress.add_task("download", total=None)
            client.download(
                made.export_url,
                target,
                on_progress=lambda done, total: progress.update(bar, completed=done, total=total),
            )
    count = len(made.files) if kind == "zip" else 1
    err_console.print(f"saved {count} clip{'s' if count != 1 else ''} ({made.preset})")
    typer.echo(str(target))


def mcp(
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Serve the podclip MCP tools over stdio (for Claude Desktop, Cursor, Claude Code …)."""
    from podclip.mcp_server import serve

    with _errors():
        serve(api_url=api_url, api_key=api_key)


# -- helpers -----------------------------------------------------------------------------------


@contextmanager
def _client(api_url: str | None, api_key: str | None) -> Iterator[PodclipClient]:
    with _errors():
        client = PodclipClient(api_key, api_url)
        with client:
            yield client


@contextmanager
def _errors() -> Iterator[None]:
    """Turn client errors into a message and an exit code (never a traceback)."""
    try:
        yield
    except ConfigurationError as exc:
        _exit(str(exc), EXIT_USAGE)
    except WaitTimeout as exc:
        _exit(f"{exc} The job goes on; check it with `podclip jobs`.", EXIT_TIMEOUT)
    except APIError as exc:
        where = f" [request {exc.request_id}]" if exc.request_id else ""
        _exit(f"{exc.message} ({exc.code}, HTTP {exc.status}){where}", EXIT_API)
    except APIConnectionError as exc:
        _exit(str(exc), EXIT_API)
    except PodclipClientError as exc:
        _exit(str(exc), EXIT_API)
    except ValueError as exc:
        _exit(str(exc), EXIT_USAGE)


def _wait_with_progress(client: PodclipClient, job: Job, timeout: float) -> Job:
    steps = len(STATUS_ORDER) - 1
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<13}"),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        bar = progress.add_task(job.status, total=steps)

        def show(update: Job) -> None:
            done = STATUS_ORDER.index(update.status) if update.status in STATUS_ORDER else None
            progress.update(
                bar,
                description=update.status,
                completed=done if done is not None else progress.tasks[0].completed,
            )

        return client.wait(job.id, timeout=timeout, on_update=show)


def _print_clips(clips: list[Clip]) -> None:
    print_clips(
        ClipLine(
            rank=clip.rank,
            moment_type=clip.moment_type,
            score=clip.shareability_score,
            start_seconds=clip.start_seconds,
            end_seconds=clip.end_seconds,
            hook=clip.hook or clip.hook_suggestion,
            locations=(clip.media_url,) if clip.media_url else (),
        )
        for clip in clips
    )


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def _exit(message: str, code: int) -> NoReturn:
    err_console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=code)
