"""``podclip report`` (the analytics report, one HTML file) and CSV output for ``podclip sql``."""

from __future__ import annotations

import csv
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from podclip.cli.common import console, err_console, local_settings
from podclip.core.errors import PodclipError


def report_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the HTML file.")
    ] = Path("report.html"),
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the report in the default browser.")
    ] = False,
    shows: Annotated[int, typer.Option(help="How many shows in 'best clips per show'.")] = 12,
) -> None:
    """Write an HTML report of the lake's clips: score spread, best clips, scores over time."""
    from podclip.cli.report import render_report
    from podclip.store.analytics import report_data

    settings = local_settings()
    try:
        data = report_data(settings, max_shows=shows)
    except PodclipError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(code=1) from exc
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render_report(data), encoding="utf-8")
    except OSError as exc:
        err_console.print(f"[red]error:[/] cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(code=1) from exc
    path = output.resolve()
    clips = int(data.totals.get("clips") or 0)
    console.print(f"wrote {path} ({clips:,} clips)", soft_wrap=True)
    if open_browser and not webbrowser.open(path.as_uri()):
        err_console.print("no browser found; open the file yourself")


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], stream: TextIO) -> None:
    """RFC 4180 CSV with a header row; NULL is an empty field, other values as ``str()``."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow("" if v is None else v for v in row)
