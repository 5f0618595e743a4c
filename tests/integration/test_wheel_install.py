"""`pip install .` puts one name into site-packages, and the demo runs from that install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """A wheel built from the files git would ship (tracked, or new and not ignored)."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo_root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        origin = repo_root / name
        if origin.is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("podclip-*.whl")
    return found


def test_the_wheel_installs_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"podclip", next(t for t in top if t.endswith(".dist-info"))}
    for needed in (
        "podclip/flows/episode.py",
        "podclip/tasks/transcribe.py",
        "podclip/scoring/weights/head.json",
        "podclip/deployments/prefect.yaml",
        "podclip/sample/episode.mp3",
        "podclip/api/main.py",
        "podclip/store/schema.py",
        "podclip/core/settings.py",
    ):
        assert needed in names, needed


@pytest.mark.slow
def test_demo_runs_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    # A fresh venv whose dependencies come from the test venv (a path line in a .pth file: the
    # test venv's own .pth files, the editable podclip among them, are not processed), and whose
    # podclip is the wheel. It runs in an empty folder, far from the repository.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = Path(sysconfig.get_paths()["purelib"])
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "deps.pth").write_text(f"{purelib}\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert not (site / "flows").exists() and not (site / "api").exists()
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(work),
        "PODCLIP_DATA_ROOT": str(work / "data"),
        "HF_HUB_OFFLINE": "1",
        # Fewer clips to render: the point is the install, not the pipeline (tested elsewhere).
        "PODCLIP_SCORING__CLIP_COUNT": "2",
        "PODCLIP_RENDER__FPS": os.environ["PODCLIP_RENDER__FPS"],  # tests/conftest.py
    }
    code = "import sys; from podclip.cli import main; sys.argv = ['podclip', 'demo']; main()"
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=work,
        env={**env, "PYTHONNOUSERSITE": "1", "LANG": os.environ.get("LANG", "C.UTF-8")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        str(site / "podclip")
        in subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import podclip; print(podclip.__file__)"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    mp4s = list((work / "data").rglob("*.mp4"))
    assert mp4s, result.stdout[-2000:]
    assert "rank" in result.stdout
