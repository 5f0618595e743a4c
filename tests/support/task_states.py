"""Read the task-run states of a flow run from the Prefect API (as the UI shows them)."""

from __future__ import annotations

from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId


def task_states(flow_run_id: str, api_url: str | None = None) -> dict[str, list[str]]:
    """Map task name to the state names of its runs in that flow run."""
    client_cm = SyncPrefectClient(api_url) if api_url else get_client(sync_client=True)
    with client_cm as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)]))
        )
    states: dict[str, list[str]] = {}
    for run in runs:
        name = run.name.rsplit("-", 1)[0]
        states.setdefault(name, []).append(run.state.name if run.state and run.state.name else "?")
    return states
