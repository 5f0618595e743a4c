"""Read the task-run states of a flow run from the Prefect API (as the UI shows them)."""

from __future__ import annotations

import time
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

# Prefect 3 records task-run states from the events a flow emits, after the flow returns: on a
# busy test machine a task that finished can still read "Running" for a moment.
SETTLE_S = 30.0
_POLL_S = 0.5
_UNSETTLED = frozenset({"Running", "Pending", "Scheduled"})


def task_states(flow_run_id: str, api_url: str | None = None) -> dict[str, list[str]]:
    """Map task name to the state names of its runs in that flow run, once none of them is
    still reported as running (or after `SETTLE_S`, as they are then)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        states = _read(flow_run_id, api_url)
        unsettled = any(s in _UNSETTLED for names in states.values() for s in names)
        if not unsettled or time.monotonic() >= deadline:
            return states
        time.sleep(_POLL_S)


def _read(flow_run_id: str, api_url: str | None) -> dict[str, list[str]]:
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
