"""``podclip worker`` and ``podclip dispatcher``: many machines around one Prefect server.

``podclip worker`` is a Prefect process worker for podclip's work pool, on any machine:
``prefect worker start --pool <PODCLIP_QUEUE__WORK_POOL> --type process`` with the
environment prepared first (results path, offline models, the code folder that
``deployments/prefect.yaml`` pulls from) and the global concurrency limits on transcription
and rendering made to match this machine's settings. Every worker needs the same shared
``PODCLIP_DATABASE_URL``, lake catalog, lake data URL and media URL, and ``PREFECT_API_URL``.
``podclip dispatcher`` runs the loops that ``podclip serve`` runs beside its runner: a flow run
per queued job at once, the safety sweep, webhook delivery.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from podclip.cli.common import err_console
from podclip.core.runtime import prepare_environment
from podclip.core.settings import Settings, get_settings


def worker(
    pool: Annotated[
        str | None, typer.Option(help="Work pool (default: PODCLIP_QUEUE__WORK_POOL).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Most flow runs this worker runs at once.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name shown in the Prefect UI.")] = None,
    limits: Annotated[
        bool, typer.Option(help="Create or update the transcription and render limits first.")
    ] = True,
) -> None:
    """Poll podclip's Prefect work pool and run its flow runs in subprocesses."""
    settings = get_settings()
    prepare_environment(settings)
    # prefect.yaml's pull step changes into this folder before each run; its entrypoints are
    # module paths (podclip.flows...), so any folder works, a wheel install included.
    os.environ.setdefault("PODCLIP_CODE_DIR", os.getcwd())
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        err_console.print(
            "[red]PREFECT_API_URL is not set:[/red] a worker needs the Prefect server that "
            "every machine shares (e.g. http://prefect.internal:4200/api)."
        )
        raise typer.Exit(2)
    if limits:
        from prefect.exceptions import ObjectAlreadyExists

        from podclip.deployments.definitions import ensure_concurrency_limits

        try:
            ensure_concurrency_limits(settings)
        except ObjectAlreadyExists:
            # Another worker created a limit at the same moment: now it exists, so update it.
            ensure_concurrency_limits(settings)
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    command = [prefect, "worker", "start", "--pool", pool or settings.queue.work_pool]
    command += ["--type", "process"]
    if limit is not None:
        command += ["--limit", str(limit)]
    if name:
        command += ["--name", name]
    os.execv(prefect, command)


def dispatcher() -> None:
    """Start a flow run for each queued job at once, requeue lost jobs, deliver webhooks.

    For a work pool (many machines): run one or more beside the workers; every one needs the
    shared PODCLIP_DATABASE_URL and PREFECT_API_URL. `podclip serve` runs the same loops itself.
    """
    settings = get_settings()
    prepare_environment(settings)
    use_data_root_prefect_home(settings)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        err_console.print(
            "[red]PREFECT_API_URL is not set:[/red] a dispatcher starts runs on the Prefect "
            "server that every worker shares (e.g. http://prefect.internal:4200/api)."
        )
        raise typer.Exit(2)
    from podclip.deployments.loops import BackgroundLoops

    loops = BackgroundLoops(settings)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    loops.start()
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        loops.stop()


def use_data_root_prefect_home(settings: Settings) -> None:
    """Keep Prefect's home (profiles, and its SQLite database when no server URL is set) under
    the data root, not in ``~/.prefect`` shared by every stack; call before importing Prefect."""
    os.environ.setdefault("PREFECT_HOME", str(settings.root / "prefect"))


def register(app: typer.Typer) -> None:
    """Add ``podclip worker`` and ``podclip dispatcher`` to the ``podclip`` app."""
    app.command("worker")(worker)
    app.command("dispatcher")(dispatcher)
