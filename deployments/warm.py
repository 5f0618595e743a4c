"""Warm starts for ``podclip serve``: each flow run is a fork of a process that has already
imported Prefect and our flows.

Prefect's runner starts every run of a served deployment as ``python -m prefect.engine``: a new
interpreter that imports Prefect and the flows (1.5-5 s of CPU on 2 busy cores) before the run
moves; that was most of a job's submit-to-``downloading`` latency. :class:`WarmRunner` is
Prefect's own :class:`~prefect.runner.Runner` (same polling, Pending/Running proposals,
cancellation, crash detection, process limit) with one change: where the runner would start
that command, :class:`ForkedEngineStarter` asks a forkserver (the standard library's
``multiprocessing`` forkserver, with :mod:`podclip.deployments.warm_child` preloaded) for a
fork that runs the same engine. Each run is still a process of its own: a crash in it ends only
that process, its non-zero exit code makes the runner propose Crashed as for a cold one, and
the forkserver (idle, blocked on its socket: no CPU) forks the next run as before. Prefect's
own ``serve()`` of in-memory flows uses ``multiprocessing`` processes the same way.

Prefect has no public seam for choosing how a run's process starts (3.8: the runner's
scheduled-run poller calls a private ``_resolve_starter``). :class:`WarmRunner` wraps that one
callable and replaces only the starters that would run the plain engine command with no code
storage; with a Prefect that lacks it, it logs a warning and runs cold.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from multiprocessing import forkserver
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
from prefect.runner import Runner
from prefect.runner._process_manager import ProcessHandle
from prefect.runner._starter_engine import EngineCommandStarter
from prefect.settings import get_current_settings
from prefect.utilities.processutils import sanitize_subprocess_env

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.runner._control_channel import ControlChannel

logger = logging.getLogger(__name__)

CHILD_MODULE = "podclip.deployments.warm_child"


def start_forkserver() -> None:
    """Start the forkserver now (it preloads while the stack is idle), not at the first run."""
    forkserver.set_forkserver_preload([CHILD_MODULE])
    forkserver.ensure_running()


class ForkedEngineStarter:
    """A Prefect ``ProcessStarter`` that runs the engine in a fork of the warm forkserver.

    It gives the engine the environment Prefect's ``EngineCommandStarter`` would: the runner's
    environment and Prefect settings, then the run's id, deployment name and control channel.
    """

    def __init__(
        self,
        *,
        tmp_dir: Any = None,
        deployment_name: str | None = None,
        heartbeat_seconds: float | None = None,
        control_channel: ControlChannel | None = None,
    ) -> None:
        self._tmp_dir = tmp_dir
        self._deployment_name = deployment_name
        self._heartbeat_seconds = heartbeat_seconds
        self._control_channel = control_channel

    def environment(self, flow_run: FlowRun, control: dict[str, str]) -> dict[str, str]:
        """The engine's environment for ``flow_run`` (as ``EngineCommandStarter`` builds it)."""
        env: dict[str, str | None] = {**os.environ}
        env.update(get_current_settings().to_environment_variables(exclude_unset=True))
        env.update(
            {
                "PREFECT__FLOW_RUN_ID": str(flow_run.id),
                "PREFECT__ENABLE_CANCELLATION_AND_CRASHED_HOOKS": "false",
                "PREFECT__DEPLOYMENT_NAME": self._deployment_name,
                **control,
            }
        )
        if self._tmp_dir is not None:
            env["PREFECT__STORAGE_BASE_PATH"] = str(self._tmp_dir)
        if self._heartbeat_seconds is not None:
            env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] = str(int(self._heartbeat_seconds))
        return sanitize_subprocess_env(env)

    async def start(
        self,
        flow_run: FlowRun,
        task_status: anyio.abc.TaskStatus[ProcessHandle] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Fork the run's process, signal its handle, and wait until it exits."""
        from podclip.deployments.warm_child import run_flow_run

        control: dict[str, str] = {}
        if self._control_channel is not None:
            try:
                port, token = self._control_channel.register(flow_run.id)
            except RuntimeError:
                pass  # no control listener: Prefect's kill-only cancellation, as when cold
            else:
                control = {"PREFECT__CONTROL_PORT": str(port), "PREFECT__CONTROL_TOKEN": token}
        process = multiprocessing.get_context("forkserver").Process(
            target=run_flow_run,
            args=(self.environment(flow_run, control),),
            name=f"flow-run-{flow_run.id}",
        )
        try:
            # Blocking (a socket round trip; seconds if the forkserver must start again).
            await anyio.to_thread.run_sync(process.start)
        except BaseException:
            if control and self._control_channel is not None:
                self._control_channel.unregister(flow_run.id)
            raise
        # Typed for spawn's Process; a forkserver Process has the same pid/exitcode surface.
        task_status.started(ProcessHandle(process))  # type: ignore[arg-type]
        await anyio.to_thread.run_sync(process.join)


class WarmRunner(Runner):
    """Prefect's runner, each run forked from a warm forkserver (see the module docstring)."""

    def __init__(self, *args: Any, warm: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warm = warm
        self.warm_starts = 0
        """Runs this runner started by fork (tests read it to see the warm path was taken)."""

    async def __aenter__(self) -> WarmRunner:
        await super().__aenter__()
        if not self.warm:
            return self  # warm starts switched off: Prefect's own cold start
        poller = getattr(self, "_scheduled_run_poller", None)
        cold = getattr(poller, "_resolve_starter", None)
        if poller is None or cold is None:
            logger.warning("this Prefect runner has no starter hook: flow runs start cold")
            return self
        await anyio.to_thread.run_sync(start_forkserver)
        poller._resolve_starter = self._warm_resolver(cold)
        return self

    def _warm_resolver(self, cold: Callable[[FlowRun], Any]) -> Callable[[FlowRun], Any]:
        def resolve(flow_run: FlowRun) -> Any:
            starter = cold(flow_run)
            # Only the plain `python -m prefect.engine` start is replaced: a flow object held
            # in memory, code storage or a custom command keep Prefect's own starter.
            if type(starter) is not EngineCommandStarter or any(
                getattr(starter, name, None) is not None
                for name in ("_storage", "_command", "_entrypoint", "_cwd")
            ):
                return starter
            self.warm_starts += 1
            return ForkedEngineStarter(
                tmp_dir=getattr(starter, "_tmp_dir", None),
                deployment_name=getattr(starter, "_deployment_name", None),
                heartbeat_seconds=getattr(starter, "_heartbeat_seconds", None),
                control_channel=getattr(starter, "_control_channel", None),
            )

        return resolve
