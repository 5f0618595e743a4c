"""The forkserver's side of warm starts (see :mod:`podclip.deployments.warm`).

``podclip serve``'s forkserver imports this module once: Prefect's engine and podclip's flows
are then in memory, and every flow run is a ``fork()`` of that process (milliseconds) instead
of a new interpreter that imports them again (1.5-5 s of CPU on 2 cores). The forked child sets
the run's environment and runs ``prefect.engine`` as ``__main__``, exactly as the cold
``python -m prefect.engine`` would. Importing this module does nothing but imports, so the
forkserver holds no thread, connection or client that a fork could copy.
"""

from __future__ import annotations

import importlib
import logging
import os
import runpy
import sys
import warnings

logger = logging.getLogger(__name__)

PRELOAD = (
    "prefect.engine",
    "prefect.flow_engine",
    "prefect._internal.metrics",
    "podclip.flows.episode",
    "podclip.flows.ingest",
    "podclip.flows.rerender",
    # multiprocessing re-runs the serving process's __main__ in each child; for `podclip serve`
    # that is the console script, which imports the CLI.
    "podclip.cli",
)
"""Modules a flow run imports before its first line of flow code."""


def preload() -> None:
    """Import :data:`PRELOAD`; one that fails is left for the run's own import to report."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # the run fails on it again, in its log in the Prefect UI
            logger.warning("warm start could not preload %s", name, exc_info=True)


def run_flow_run(env: dict[str, str]) -> None:
    """In the forked child: take the run's environment and run Prefect's engine as ``__main__``.

    The environment replaces the forkserver's (it is the runner's, plus the run's id, deployment
    name and control channel), and Prefect's settings are read again from it, as Prefect's own
    ``run_flow_in_subprocess`` does. The engine's exit code is the process's.
    """
    from prefect.context import SettingsContext, get_settings_context
    from prefect.settings import Settings

    from podclip.core.settings import get_settings

    os.environ.clear()
    os.environ.update(env)
    get_settings.cache_clear()  # podclip's settings too come from this run's environment
    # multiprocessing hands the child the server's argv (`podclip serve`); the engine would take
    # argv[1] for the run id, which it must read from PREFECT__FLOW_RUN_ID instead.
    sys.argv = [sys.argv[0]]
    # The engine module is already imported (preloaded); runpy warns that it runs it again.
    warnings.filterwarnings(
        "ignore", message=r"'prefect\.engine' found in sys\.modules", category=RuntimeWarning
    )
    with SettingsContext(profile=get_settings_context().profile, settings=Settings()):
        runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)


preload()  # this module's purpose: the forkserver imports it to hold these in memory
