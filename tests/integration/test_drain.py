"""The dispatcher on Prefect's test harness: one flow run per job, however many dispatchers run,
and a safety sweep that requeues jobs whose runs died, went silent or never started."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from sqlalchemy import update

from podclip.core.settings import get_settings
from podclip.flows.dispatch import Dispatcher
from podclip.store import ops, queue
from podclip.store.schema import jobs

# Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("database_url")]


def _register_episode_deployment() -> None:
    from podclip.flows.episode import process_episode

    process_episode.to_deployment(name="process-episode").apply()


def _dispatcher(owner: str = "test") -> Dispatcher:
    settings = get_settings()
    return Dispatcher(settings, ops.engine_for(settings.resolved_database_url), owner=owner)


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


def test_two_dispatchers_start_one_run_per_job(prefect_results: Path) -> None:
    _register_episode_deployment()
    engine = ops.engine_for(get_settings().resolved_database_url)
    jobs_ = {
        ops.create_job(
            engine, source_type="audio_url", source_url=f"https://e.com/{i}.mp3", show_name="Show"
        ).id
        for i in range(20)
    }
    sandbox = ops.create_job(
        engine, source_type="audio_url", source_url="https://e.com/t.mp3", environment="test"
    )
    woken: list[str] = []
    dispatchers = [
        Dispatcher(get_settings(), engine, wake=lambda n=name: woken.append(n), owner=name)
        for name in ("a", "b")
    ]
    started: list[list[str]] = []
    barrier = threading.Barrier(2)

    def dispatch(dispatcher: Dispatcher) -> None:
        barrier.wait()
        for _ in range(3):
            started.append(dispatcher.dispatch(limit=4))

    threads = [threading.Thread(target=dispatch, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    taken = [job for batch in started for job in batch]
    assert sorted(taken) == sorted(jobs_)  # every job once, none twice, sandbox never
    # The Prefect harness is shared by the session: count only this test's jobs' runs.
    runs = _flow_runs_by_job()
    assert {job: runs.get(job, 0) for job in jobs_} == dict.fromkeys(jobs_, 1)
    assert ops.get_job(engine, sandbox.id).flow_run_id is None
    assert woken  # a dispatcher that started runs woke its runner
    assert not queue.has_claimable(engine)
    assert dispatchers[0].dispatch() == []


def test_a_repeated_start_finds_the_same_run(prefect_results: Path) -> None:
    """A dispatcher that died between creating the run and recording it, or two that raced
    past the claim, get the run that exists: the idempotency key is the job and attempt."""
    _register_episode_deployment()
    engine = ops.engine_for(get_settings().resolved_database_url)
    job = ops.create_job(engine, source_type="audio_url", source_url="https://e.com/y.mp3")
    ((job_id, attempt),) = queue.claim_queued(engine, "test", 5)
    first = _dispatcher(owner="one").start_run(job_id, attempt)
    second = _dispatcher(owner="two").start_run(job_id, attempt)
    assert first == second == ops.get_job(engine, job.id).flow_run_id
    assert _flow_runs_by_job()[job.id] == 1


def test_the_sweep_requeues_a_dead_run_with_a_new_attempt(prefect_results: Path) -> None:
    from prefect.states import Crashed

    _register_episode_deployment()
    engine = ops.engine_for(get_settings().resolved_database_url)
    dispatcher = _dispatcher()
    job = ops.create_job(engine, source_type="audio_url", source_url="https://e.com/x.mp3")
    assert dispatcher.dispatch(limit=5) == [job.id]
    first_run = ops.get_job(engine, job.id).flow_run_id
    assert first_run is not None
    assert dispatcher.sweep() == []  # scheduled, within grace
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(first_run, Crashed(message="killed"), force=True)
    assert dispatcher.sweep() == [job.id]
    assert ops.get_job(engine, job.id).status == "queued"
    assert dispatcher.dispatch(limit=5) == [job.id]
    second_run = ops.get_job(engine, job.id).flow_run_id
    assert second_run != first_run
    assert queue.claim_queued(engine, "nobody", 5) == []


def test_the_sweep_requeues_a_run_that_stopped_beating(prefect_results: Path) -> None:
    from prefect.states import Running

    _register_episode_deployment()
    engine = ops.engine_for(get_settings().resolved_database_url)
    dispatcher = _dispatcher()
    job = ops.create_job(engine, source_type="audio_url", source_url="https://e.com/z.mp3")
    assert dispatcher.dispatch(limit=5) == [job.id]
    run_id = ops.get_job(engine, job.id).flow_run_id
    assert run_id is not None
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run_id, Running(), force=True)
    assert dispatcher.sweep() == []  # running and beating
    # Its last heartbeat (and claim) now lie further back than stale_after_seconds.
    silent = ops.utcnow() - timedelta(seconds=get_settings().queue.stale_after_seconds + 5)
    with engine.begin() as conn:
        conn.execute(
            update(jobs).where(jobs.c.id == job.id).values(updated_at=silent, claimed_at=silent)
        )
    assert dispatcher.sweep() == [job.id]
    events = ops.job_events_for(engine, job.id)
    assert events[-1]["status"] == "queued" and "stopped beating" in events[-1]["message"]
