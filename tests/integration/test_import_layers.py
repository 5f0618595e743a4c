"""The layer contract in pyproject.toml holds, and import-linter really enforces it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _lint(tree: Path, repo_root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "lint-imports"), "--config", str(repo_root / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _tree(tmp_path: Path, repo_root: Path) -> Path:
    tree = tmp_path / "tree"
    subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "import_tree.py"), "--build-only", str(tree)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return tree


def test_the_code_keeps_its_layers(tmp_path: Path, repo_root: Path) -> None:
    result = _lint(_tree(tmp_path, repo_root), repo_root)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout


def test_a_planted_upward_import_breaks_the_contract(tmp_path: Path, repo_root: Path) -> None:
    tree = _tree(tmp_path, repo_root)
    core = tree / "podclip" / "core"
    target = core.resolve()
    core.unlink()
    shutil.copytree(target, core, ignore=shutil.ignore_patterns("__pycache__"))
    (core / "planted.py").write_text("from podclip.api import main  # the foundation reaching up\n")
    result = _lint(tree, repo_root)
    assert result.returncode != 0
    assert "podclip.core.planted -> podclip.api.main" in result.stdout
