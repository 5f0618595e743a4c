"""The ``podclip`` command line: one Typer app, its command groups in sibling modules."""

from __future__ import annotations

from podclip.cli.main import main

__all__ = ["main"]
