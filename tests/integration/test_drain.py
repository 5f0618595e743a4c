"""The queue: two drainers over the same queued jobs start exactly one flow run per job."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

from podclip.core.settings import get_settings
from podclip.store import ops, queue

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("database_url")


def _register_episode_deployment() -> None:
    from podclip.flows.episode import process_episode

    process_episode.to_deployment(name="process-episode").apply()


def _flow_runs_by_job() -> dict[str, int]:
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["process-episode"])),
            limit=200,
        )
    counts: dict[str, int] = {}
    for run in runs:
        job = run.parameters["job_id"]
        counts[job] = counts.get(job, 0) + 1
        assert f"job:{job}" in run.tags
    return counts


def test_two_drainers_claim_each_job_once(prefect_results: Path) -> None:
    from podclip.flows.drain import drain_queue

    _register_episode_deployment()
    engine = ops.engine_for(get_settings().resolved_database_url)
    jobs = {
        ops.create_job(
            engine, source_type="audio_url", source_url=f"https://e.com/{i}.mp3", show_name="Show"
        ).id
        for i in range(20)
    }
    sandbox = ops.create_job(
        engine, source_type="audio_url", source_url="https://e.com/t.mp3", environment="test"
    )
    started: list[list[str]] = []
    barrier = threading.Barrier(2)

    def drain() -> None:
        barrier.wait()
        for _ in range(3):
            started.append(drain_queue(limit=4))

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    taken = [job for batch in started for job in batch]
    assert sorted(taken) == sorted(jobs)  # every job once, none twice, sandbox never
    # The Prefect harness is shared by the session: count only this test's jobs' runs.
    runs = _flow_runs_by_job()
    assert {job: runs.get(job, 0) for job in jobs} == dict.fromkeys(jobs, 1)
    assert ops.get_job(engine, sandbox.id).flow_run_id is None


def test_dead_run_is_requeued_with_a_new_attempt(prefect_results: Path) -> None:
    from podclip.flows.drain import drain_queue, requeue_dead_claims

    _register_episode_deployment()
    engine = ops.engine_for(get_settings().resolved_database_url)
    job = ops.create_job(engine, source_type="audio_url", source_url="https://e.com/x.mp3")
    assert drain_queue(limit=5) == [job.id]
    first_run = ops.get_job(engine, job.id).flow_run_id
    with get_client(sync_client=True) as client:
        from prefect.states import Crashed

        client.set_flow_run_state(first_run, Crashed(message="killed"), force=True)
    assert requeue_dead_claims() == [job.id]
    assert ops.get_job(engine, job.id).status == "queued"
    assert drain_queue(limit=5) == [job.id]
    second_run = ops.get_job(engine, job.id).flow_run_id
    assert second_run != first_run
    assert queue.claim_queued(engine, "nobody", 5) == []
