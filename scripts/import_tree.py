"""Run a tool over podclip as it is installed: one ``podclip`` tree, the mapped folders inside it.

pyproject's ``[tool.setuptools.package-dir]`` installs ``flows/``, ``tasks/``, ``scoring/`` and
``deployments/`` as ``podclip.flows`` and so on. Tools that walk the file system (import-linter's
grimp, mypy) see only ``podclip/`` and would miss them, so this builds that tree from symlinks
under ``build/import-tree`` and runs the command in it (so it is first on the import path; give
the tool the repository's config file, whose path is in ``$REPO``):

    python scripts/import_tree.py lint-imports --config ../../pyproject.toml
    python scripts/import_tree.py mypy -p podclip --config-file ../../pyproject.toml
    python scripts/import_tree.py --build-only [DIR]     # only build the tree (tests plant in it)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TREE = REPO / "build" / "import-tree"


def build_tree(tree: Path = TREE) -> Path:
    """The ``podclip`` package as installed, made of symlinks into the repository, in ``tree``."""
    mapped = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    shutil.rmtree(tree, ignore_errors=True)
    root = tree / "podclip"
    root.mkdir(parents=True)
    for entry in (REPO / "podclip").iterdir():
        if entry.name != "__pycache__":
            (root / entry.name).symlink_to(entry)
    for package, folder in mapped.items():
        parts = package.split(".")
        if parts[0] != "podclip" or len(parts) != 2:
            raise SystemExit(f"unexpected package-dir entry {package!r}")
        (root / parts[1]).symlink_to(REPO / folder)
    return tree


def main(command: list[str]) -> int:
    if command[:1] == ["--build-only"]:
        print(build_tree(Path(command[1]) if len(command) > 1 else TREE))
        return 0
    if not command:
        raise SystemExit(__doc__)
    tree = build_tree()
    env = dict(os.environ, PYTHONPATH=str(tree), MYPYPATH=str(tree))
    found = shutil.which(command[0], path=str(Path(sys.executable).parent)) or command[0]
    return subprocess.call([found, *command[1:]], cwd=tree, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
