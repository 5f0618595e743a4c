"""The ``podclip`` command line: run the pipeline locally and look at what it made."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from podclip.cli import remote as remote_cli
from podclip.cli import scale as scale_cli
from podclip.cli import studio as studio_cli
from podclip.cli.accounts import accounts_app
from podclip.cli.analytics import report_command, write_csv
from podclip.cli.common import (
    ClipLine,
    console,
    err_console,
    local_settings,
    migrate_stores,
    print_clips,
)
from podclip.cli.feeds import app as feeds_app
from podclip.cli.keys import keys_app
from podclip.core.errors import PodclipError
from podclip.core.presets import platform_names
from podclip.core.runtime import prepare_environment
from podclip.core.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
app.add_typer(feeds_app, name="feeds")
app.add_typer(keys_app, name="keys")
app.add_typer(accounts_app, name="accounts")
app.command("report")(report_command)
remote_cli.register(app)
scale_cli.register(app)
studio_cli.register(app)

STAGES = ("queued", "downloading", "transcribing", "clipping", "rendering", "complete")


@app.command()
def demo() -> None:
    """Run the bundled sample episode end to end and print the ranked clips."""
    settings = get_settings()
    sample = settings.sample_episode
    if not sample.exists():
        _fail(f"The bundled sample is missing: {sample}")
    console.print(f"[bold]podclip demo[/]: processing the bundled sample episode {sample.name}")
    _run_source(str(sample), show_name="The Long Game", title="podclip demo episode")


@app.command()
def run(
    source: Annotated[str, typer.Argument(help="A local file, a media URL or a page URL.")],
    show: Annotated[str | None, typer.Option(help="Show name for titles.")] = None,
    clips: Annotated[int | None, typer.Option(help="How many clips (4-9).")] = None,
    language: Annotated[
        str | None,
        typer.Option(
            help="Spoken language (en, es, de...); default: detected (multilingual model)."
        ),
    ] = None,
    platform: remote_cli.Platforms = None,
) -> None:
    """Process SOURCE now, in this process, and print the ranked clips."""
    _run_source(source, show_name=show, clip_count=clips, language=language, platforms=platform)


@app.command()
def serve() -> None:
    """Serve process-episode and poll-feeds, the job dispatcher and webhook delivery."""
    settings = local_settings()
    scale_cli.use_data_root_prefect_home(settings)
    from podclip.deployments.definitions import serve as serve_deployments

    serve_deployments(settings)


@app.command("migrate")
def migrate_command() -> None:
    """Bring the operational database and the lake to the newest schema (safe to repeat)."""
    from podclip.store.migrate import head

    settings = get_settings()
    prepare_environment(settings)
    applied = migrate_stores(settings)
    done = ", ".join(str(v) for v in applied) if applied else "none (already up to date)"
    console.print(f"Operational database at migration {head()}; applied now: {done}.")


@app.command("clips")
def clips_command(
    job_id: Annotated[str, typer.Argument(help="The job id printed by `podclip run`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    api_url: remote_cli.ApiUrl = None,
) -> None:
    """Show a job's clips, best first (through the API with --api-url or PODCLIP_API_KEY set)."""
    if remote_cli.use_api(api_url):
        remote_cli.clips_remote(job_id, as_json=as_json, api_url=api_url, api_key=None)
        return
    from podclip.store import ops
    from podclip.store.clips import clips_for_job

    settings = local_settings()
    try:
        job = ops.get_job(ops.engine_for(settings.resolved_database_url), job_id)
    except PodclipError as exc:
        _fail(exc.message)
    rows = clips_for_job(settings, job_id)
    if as_json:
        console.print_json(
            json.dumps({"job_id": job.id, "status": job.status, "clips": rows}, default=str)
        )
        return
    if job.status == "failed":
        _fail(f"Job {job.id} failed: {job.error_code}: {job.error_message}")
    _print_clips(rows)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One SQL statement (DuckDB dialect).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")] = False,
) -> None:
    """Query the lake (clips, clip_scores, episode_summary, ...) and the jobs tables with SQL."""
    import duckdb

    from podclip.store.query import run_sql

    settings = local_settings()
    try:
        columns, rows = run_sql(settings, query)
    except (duckdb.Error, PodclipError) as exc:
        _fail(f"SQL error: {exc}")
    if as_json and as_csv:
        _fail("choose one of --json and --csv")
    if as_csv:
        write_csv(columns, rows, sys.stdout)
        return
    if as_json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str))
        return
    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


API_HELP = (
    "Serve the job API (uvicorn, podclip.api.main:app) on loopback by default. "
    "/v1 speaks the Clypt API, /api/v1 the Klipit API (statuses, rate limits, webhooks).\n\n"
    "Links in responses (clip media, exports, share pages) use, in order: "
    "PODCLIP_PUBLIC_BASE_URL when set (e.g. https://clips.example.com); "
    "else the request's own scheme, host and port, with X-Forwarded-Proto and "
    "X-Forwarded-Host believed only from the proxies in PODCLIP_API__TRUSTED_PROXIES "
    "(a JSON list of IPs or CIDRs, e.g. '[\"127.0.0.1\"]'); "
    "links made outside a request (webhooks, feeds) use http://HOST:PORT of this command."
)


@app.command("api", help=API_HELP)
def api_command(
    host: Annotated[str | None, typer.Option(help="Bind address (settings.api.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (settings.api.port).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Serve the job API; see ``API_HELP``."""
    import os

    import uvicorn

    from podclip.store.migrate import migrate

    settings = get_settings()
    settings.root.mkdir(parents=True, exist_ok=True)
    migrate(settings.resolved_database_url)  # once, before the workers start
    # The workers read their settings from the environment: links made outside a request
    # (webhook bodies) must name the address actually served.
    if host:
        os.environ["PODCLIP_API__HOST"] = host
    if port:
        os.environ["PODCLIP_API__PORT"] = str(port)
    uvicorn.run(
        "podclip.api.main:app",
        host=host or settings.api.host,
        port=port or settings.api.port,
        workers=workers or settings.api.workers,
        proxy_headers=False,
    )


def _run_source(
    source: str,
    *,
    show_name: str | None = None,
    title: str | None = None,
    clip_count: int | None = None,
    language: str | None = None,
    platforms: list[str] | None = None,
) -> None:
    try:
        chosen = platform_names(platforms or ())
    except ValueError as exc:
        _fail(str(exc))
    settings = local_settings()
    from podclip.core.sources import source_for
    from podclip.store import ops

    source_type, url = source_for(source)
    if source_type == "file" and not Path(url).is_file():
        _fail(f"No such file: {source}")
    engine = ops.engine_for(settings.resolved_database_url)
    options: dict[str, object] = {"clip_count": clip_count} if clip_count else {}
    if language:
        options["language"] = language.lower()
    if chosen:
        options["platforms"] = chosen
    job = ops.create_job(
        engine,
        source_type=source_type,
        source_url=url,
        options=options,
        show_name=show_name,
        title=title,
    )
    console.print(f"job [bold]{job.id}[/]")
    outcome: dict[str, BaseException] = {}
    worker = threading.Thread(target=_process, args=(job.id, outcome), daemon=True)
    started = time.monotonic()
    worker.start()
    _show_progress(engine, job.id, worker)
    job = ops.get_job(engine, job.id)
    if job.status != "complete":
        detail = (
            f"{job.error_code}: {job.error_message}"
            if job.error_code
            else str(outcome.get("error", "unknown error"))
        )
        _fail(f"Job {job.id} failed: {detail}")
    from podclip.store.clips import clips_for_job

    console.print(f"done in {time.monotonic() - started:.1f} s")
    _print_clips(clips_for_job(settings, job.id))
    console.print(
        f"clip files are under {settings.resolved_media_url}/renders; "
        f"query them with: podclip sql \"SELECT * FROM clips WHERE job_id = '{job.id}'\""
    )


def _process(job_id: str, outcome: dict[str, BaseException]) -> None:
    from podclip.deployments.definitions import ensure_concurrency_limits
    from podclip.flows.episode import process_episode

    try:
        ensure_concurrency_limits(get_settings())
        process_episode(job_id)
    except BaseException as exc:  # reported by the caller from the job row
        outcome["error"] = exc


def _show_progress(engine: Any, job_id: str, worker: threading.Thread) -> None:
    from podclip.store import ops

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} stages"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        bar = progress.add_task("queued", total=len(STAGES) - 1)
        while worker.is_alive():
            status = ops.get_job(engine, job_id).status
            if status in STAGES:
                progress.update(bar, description=status, completed=STAGES.index(status))
            worker.join(timeout=0.5)
        status = ops.get_job(engine, job_id).status
        done = len(STAGES) - 1 if status == "complete" else progress.tasks[0].completed
        progress.update(bar, description=status, completed=done)


def _print_clips(rows: list[dict[str, Any]]) -> None:
    print_clips(
        ClipLine(
            rank=row["rank"],
            moment_type=row["moment_type"],
            score=row["shareability_score"],
            start_seconds=row["start_seconds"],
            end_seconds=row["end_seconds"],
            hook=row["hook"],
            locations=tuple(r["media_path"] for r in row.get("renders", [])),
        )
        for row in rows
    )


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error:[/] {message}")
    raise typer.Exit(code=1)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except PodclipError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        sys.exit(1)
