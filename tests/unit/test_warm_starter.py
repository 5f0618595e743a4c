"""Which runs start warm, and with what environment (deployments/warm.py), without a server."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

from prefect.client.schemas.objects import FlowRun
from prefect.runner._starter_engine import EngineCommandStarter

from podclip.deployments.warm import ForkedEngineStarter, WarmRunner


def _resolve(starter: Any) -> Any:
    runner = WarmRunner(pause_on_shutdown=False)
    return runner._warm_resolver(lambda flow_run: starter)(FlowRun(flow_id=uuid4()))


def test_only_the_plain_engine_command_is_replaced(tmp_path: Path) -> None:
    plain = EngineCommandStarter(tmp_dir=tmp_path, deployment_name="process-episode")
    assert isinstance(_resolve(plain), ForkedEngineStarter)
    # Code pulled from storage, a custom command or entrypoint: Prefect's own start, untouched.
    for kept in (
        EngineCommandStarter(command="python -m custom"),
        EngineCommandStarter(entrypoint="flows/episode.py:process_episode"),
        EngineCommandStarter(cwd=tmp_path),
    ):
        assert _resolve(kept) is kept
    other = object()
    assert _resolve(other) is other


def test_the_engine_gets_the_runs_id_name_and_control_channel(tmp_path: Path) -> None:
    run = FlowRun(flow_id=uuid4())
    env = ForkedEngineStarter(tmp_dir=tmp_path, deployment_name="process-episode").environment(
        run, {"PREFECT__CONTROL_PORT": "4321", "PREFECT__CONTROL_TOKEN": "t"}
    )
    assert env["PREFECT__FLOW_RUN_ID"] == str(run.id)
    assert env["PREFECT__DEPLOYMENT_NAME"] == "process-episode"
    assert env["PREFECT__CONTROL_PORT"] == "4321"
    assert env["PREFECT__STORAGE_BASE_PATH"] == str(tmp_path)
    assert env["PREFECT__ENABLE_CANCELLATION_AND_CRASHED_HOOKS"] == "false"
    # No deployment name: the variable is left out, as Prefect's own starter leaves it.
    unnamed = ForkedEngineStarter().environment(run, {})
    assert "PREFECT__DEPLOYMENT_NAME" not in unnamed
    assert "PREFECT__CONTROL_PORT" not in unnamed
