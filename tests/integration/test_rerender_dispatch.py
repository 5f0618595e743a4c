"""A queued re-render becomes exactly one ``rerender-clips`` flow run (Prefect's test API)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client

from podclip.core.settings import get_settings
from podclip.flows.rerender import dispatch_rerenders, rerender_clips
from podclip.store import clip_edits, ops


def test_a_queued_request_starts_one_run_and_is_not_started_twice(
    prefect_results: Path,
) -> None:
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(engine, source_type="file", source_url="/seed.mp3")
    clip_edits.save(
        engine,
        clip_id="clip_dispatch000001",
        job_id=job.id,
        account_id=job.account_id,
        environment="live",
        changes={"start_seconds": 1.0, "end_seconds": 5.0},
        actor=None,
        rerender=True,
    )
    request = clip_edits.request_rerender(
        engine, job_id=job.id, account_id=job.account_id, environment="live", actor=None
    )
    assert request is not None and request.status == "queued"
    rerender_clips.to_deployment(name="rerender-clips").apply()

    assert dispatch_rerenders(engine) == [request.id]
    assert dispatch_rerenders(engine) == []
    stored = clip_edits.get_request(engine, request.id)
    assert stored is not None and stored.status == "dispatched" and stored.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(stored.flow_run_id))
    assert run.parameters == {"request_id": request.id}
    assert run.idempotency_key == f"rerender:{request.id}"
