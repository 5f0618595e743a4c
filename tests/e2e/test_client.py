"""podclip.client (sync) against the real API on loopback: sandbox and live keys."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import httpx
import pytest

from podclip.client import (
    APIConnectionError,
    AuthenticationError,
    IdempotencyError,
    InvalidRequestError,
    Job,
    JobFailed,
    NotFoundError,
    PermissionDeniedError,
    PodclipClient,
    WaitTimeout,
)
from podclip.core.settings import Settings
from tests.e2e.helpers import ApiServer, free_port
from tests.support.seed import seed_published_job

pytestmark = pytest.mark.network
FAST = {"poll_interval": 0.1, "max_interval": 0.5, "timeout": 30}


def server_settings(server: ApiServer) -> Settings:
    """Settings that reach the server's stores (its data root, and its database if PostgreSQL)."""
    return Settings(data_root=server.data_root, database_url=server.env.get("PODCLIP_DATABASE_URL"))


@pytest.fixture
def sandbox(api_server: ApiServer) -> PodclipClient:
    return PodclipClient(api_server.key("test"), api_server.base_url)


def test_sandbox_submit_wait_clips_export(sandbox: PodclipClient, tmp_path: Path) -> None:
    with sandbox:
        job = sandbox.submit(
            "https://example.com/show/episode.mp4",
            source_type="video_url",
            include_trailer=True,
            platforms=["tiktok", "linkedin"],
            show_name="Client Show",
        )
        assert (job.status, job.environment, job.show_name) == ("queued", "test", "Client Show")
        assert job.source is not None and job.source.type == "video_url"
        seen: list[str] = []
        done = sandbox.wait(job.id, on_update=lambda j: seen.append(j.status), **FAST)
        assert done.status == "complete" and done.is_terminal
        assert seen[0] == "queued" and seen[-1] == "complete" and len(seen) == len(set(seen))
        assert done.output is not None and done.output.trailer is not None
        assert sandbox.get(job.id) == done

        clips = sandbox.clips(job.id)
        assert (clips.job_id, clips.status) == (job.id, "complete")
        scores = [c.shareability_score for c in clips.clips]
        assert len(scores) == 3 and scores == sorted(scores, reverse=True)
        top = clips.clips[0]
        assert top.moment_type == "bold_prediction" and top.hook
        assert top.duration_seconds == pytest.approx(top.end_seconds - top.start_seconds)
        assert {"tiktok", "linkedin"} <= set(top.rendered_urls)

        export = sandbox.export(job.id, platform="tiktok")
        assert (export.format, export.preset, export.job_id) == ("zip", "vertical", job.id)
        ticks: list[tuple[int, int | None]] = []
        path = sandbox.download(
            export.export_url, tmp_path / "out.zip", on_progress=lambda d, t: ticks.append((d, t))
        )
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(".mp4")]
            assert len(names) == 3
            assert archive.read(names[0])[4:8] == b"ftyp"
        assert ticks and ticks[-1][0] == path.stat().st_size
        assert not list(tmp_path.glob(".*.part"))
        mp4 = sandbox.export(job.id, format="mp4")
        assert mp4.format == "mp4" and len(mp4.files) == 3


def test_sandbox_failure_codes(sandbox: PodclipClient) -> None:
    with sandbox:
        job = sandbox.submit("https://example.com/FAIL-episode.mp3")
        failed = sandbox.wait(job.id, **FAST)
        assert failed.status == "failed" and failed.error is not None
        assert failed.error.code == "transcription_failed"
        yt = sandbox.submit("https://www.youtube.com/watch?v=abc", source_type="youtube_url")
        with pytest.raises(JobFailed) as caught:
            sandbox.wait(yt.id, raise_on_failure=True, **FAST)
        assert caught.value.code == "youtube_ingestion_failed"
        assert caught.value.job.id == yt.id


def test_wait_timeout_carries_the_last_state(api_server: ApiServer) -> None:
    # A live job on this server stays queued: nothing drains the queue here.
    with PodclipClient(api_server.key("live"), api_server.base_url) as live:
        job = live.submit("http://127.0.0.1:9/never-fetched.mp3")
        with pytest.raises(WaitTimeout) as caught:
            live.wait(job.id, timeout=0.3, poll_interval=0.05)
        assert caught.value.job.id == job.id and caught.value.job.status == "queued"


def test_list_walks_every_page(api_server: ApiServer) -> None:
    key = api_server.key("test")
    with PodclipClient(key, api_server.base_url) as client:
        before = [j.id for j in client.list(page_size=100)]
        made = [client.submit(f"https://example.com/list-{n}.mp3").id for n in range(5)]
        first = client.list_page(limit=1)
        assert [j.id for j in first.data] == made[-1:] and first.has_more
        assert [j.id for j in client.list(page_size=2, max_items=3)] == made[::-1][:3]
    requested: list[str] = []
    hooks = {"request": [lambda request: requested.append(str(request.url))]}
    with PodclipClient(
        key, api_server.base_url, http_client=httpx.Client(event_hooks=hooks)
    ) as paged:
        ids = [j.id for j in paged.list(page_size=2)]
    assert ids == made[::-1] + before and len(ids) == len(set(ids))
    assert len(requested) == math.ceil(len(ids) / 2)
    assert all("limit=2" in url for url in requested)
    assert f"starting_after={ids[1]}" in requested[1]


def test_typed_errors_carry_code_type_and_request_id(api_server: ApiServer) -> None:
    with PodclipClient(api_server.key("test"), api_server.base_url) as client:
        with pytest.raises(NotFoundError) as missing:
            client.get("job_does_not_exist")
        error = missing.value
        assert (error.status, error.code, error.type) == (404, "not_found", "invalid_request_error")
        assert error.request_id is not None and error.request_id.startswith("req_")

        with pytest.raises(InvalidRequestError) as bad_url:
            client.submit("ftp://example.com/a.mp3", source_type="audio_url")
        assert bad_url.value.code in ("invalid_source_url", "invalid_parameter")
        assert bad_url.value.param is not None and "url" in bad_url.value.param

        key = "client-idem-0001"
        first = client.submit("https://example.com/idem.mp3", idempotency_key=key)
        again = client.submit("https://example.com/idem.mp3", idempotency_key=key)
        assert again.id == first.id
        with pytest.raises(IdempotencyError) as reused:
            client.submit("https://example.com/other.mp3", idempotency_key=key)
        assert reused.value.code == "idempotency_key_reused_with_different_body"
        assert reused.value.status == 409

    with PodclipClient("clk_test_" + "0" * 32, api_server.base_url) as stranger:
        with pytest.raises(AuthenticationError) as unknown:
            stranger.get("job_x")
        assert unknown.value.code == "invalid_api_key" and unknown.value.status == 401

    reader = api_server.create_key("test", "jobs:read", name="reader")
    with PodclipClient(reader, api_server.base_url) as limited:
        with pytest.raises(PermissionDeniedError) as scope:
            limited.submit("https://example.com/x.mp3")
        assert scope.value.code == "insufficient_scope" and scope.value.status == 403

    nowhere = PodclipClient(api_server.key("test"), f"http://127.0.0.1:{free_port()}")
    with nowhere, pytest.raises(APIConnectionError, match="Could not reach"):
        nowhere.get("job_x")


def test_upload_a_local_file(api_server: ApiServer, tmp_path: Path) -> None:
    episode = tmp_path / "tiny.mp3"
    episode.write_bytes(b"ID3" + bytes(2048))
    with PodclipClient(api_server.key("test"), api_server.base_url) as client:
        job = client.submit(file=episode, show_name="Upload", platforms=["tiktok"], clip_count=4)
        assert job.source is not None and job.source.type == "upload"
        assert (job.source.model_extra or {}).get("filename") == "tiny.mp3"
        assert client.wait(job.id, **FAST).status == "complete"


def test_live_key_reads_a_seeded_published_job(api_server: ApiServer) -> None:
    job_id = seed_published_job(server_settings(api_server))
    with PodclipClient(api_server.key("live"), api_server.base_url + "/api/v1") as live:
        job = live.get(job_id)
        assert (job.status, job.environment, job.clip_count) == ("complete", "live", 1)
        assert isinstance(job, Job) and job.output is not None
        assert [c.id for c in live.clips(job_id).clips] == ["clip_seed"]
        assert live.wait(job_id, timeout=5).status == "complete"
        assert job_id in {j.id for j in live.list()}
    with PodclipClient(api_server.key("test"), api_server.base_url) as sandbox:
        with pytest.raises(NotFoundError):
            sandbox.get(job_id)
        assert job_id not in {j.id for j in sandbox.list()}
