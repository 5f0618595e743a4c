"""Two runs of the same episode at the same moment transcribe it once."""

from __future__ import annotations

import contextvars
import threading
from pathlib import Path

import pytest

from podclip.core.settings import get_settings
from podclip.store import ops
from tests.support.task_states import task_states

pytestmark = pytest.mark.slow


def test_simultaneous_runs_share_one_transcription(
    prefect_results: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from podclip.flows.episode import process_episode

    monkeypatch.setenv("PODCLIP_SCORING__CLIP_COUNT", "1")
    get_settings.cache_clear()
    engine = ops.engine_for(get_settings().resolved_database_url)
    source = str(shared_data / "auto-editor" / "example.mp4")
    jobs = [ops.create_job(engine, source_type="file", source_url=source).id for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(job_id: str) -> None:
        barrier.wait()
        process_episode(job_id)

    # Each thread runs in a copy of this context, so it sees the test's Prefect settings.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, job_id))
        for job_id in jobs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    states = [task_states(str(ops.get_job(engine, j).flow_run_id)) for j in jobs]
    assert all(ops.get_job(engine, j).status == "complete" for j in jobs)
    transcriptions = sorted(s["transcribe_audio"][0] for s in states)
    assert transcriptions == ["Cached", "Completed"], states
