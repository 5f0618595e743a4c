"""How the scoring commands print a report: JSON for scripts, a readable table for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


def print_report(
    report: dict[str, Any], as_json: bool, readable: Callable[[dict[str, Any]], str]
) -> None:
    """Write `report` to stdout as indented JSON, or as `readable(report)`."""
    if as_json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(readable(report))
