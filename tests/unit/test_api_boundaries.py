"""podclip.api stays light: importing it never pulls in Prefect, the pipeline or the models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("prefect", "podclip.flows", "podclip.tasks", "torch", "transformers")


def test_api_main_imports_no_pipeline_modules(tmp_path: Path, repo_root: Path) -> None:
    code = (
        "import json, sys\n"
        "import podclip.api.main\n"
        f"print(json.dumps([m for m in sys.modules if m.startswith({FORBIDDEN!r})]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_root,
        env={"PODCLIP_DATA_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
