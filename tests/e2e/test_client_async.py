"""AsyncPodclipClient against the real API on loopback (sandbox key)."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

from podclip.client import AsyncPodclipClient, JobFailed, NotFoundError
from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network
FAST = {"poll_interval": 0.1, "max_interval": 0.5, "timeout": 30.0}


async def _flow(server: ApiServer, out: Path) -> None:
    async with AsyncPodclipClient(server.key("test"), server.base_url) as client:
        jobs = await asyncio.gather(
            client.submit("https://example.com/async-a.mp3", platforms=["reels"]),
            client.submit("https://example.com/async-b.mp3", clip_count=5),
        )
        statuses: list[str] = []
        done = await asyncio.gather(
            *(client.wait(j.id, on_update=lambda j: statuses.append(j.status), **FAST)
              for j in jobs)
        )  # fmt: skip
        assert [j.status for j in done] == ["complete", "complete"]
        assert statuses.count("complete") == 2
        clips = await client.clips(jobs[0].id)
        assert len(clips.clips) == 3 and clips.clips[0].rank == 1
        assert set(clips.clips[0].rendered_urls) >= {"reels"}

        listed = [j.id async for j in client.list(page_size=1, max_items=2)]
        assert sorted(listed) == sorted(j.id for j in jobs)  # the two newest

        export = await client.export(jobs[0].id, platform="tiktok")
        path = await client.download(export.export_url, out / "async.zip")
        with zipfile.ZipFile(path) as archive:
            assert len([n for n in archive.namelist() if n.endswith(".mp4")]) == 3

        episode = out / "upload.m4a"
        episode.write_bytes(bytes(4096))
        uploaded = await client.submit(file=episode, platforms=["x"])
        assert uploaded.source is not None and uploaded.source.type == "upload"
        assert (await client.wait(uploaded.id, **FAST)).status == "complete"

        failing = await client.submit("https://example.com/fail.mp3")
        with pytest.raises(JobFailed) as caught:
            await client.wait(failing.id, raise_on_failure=True, **FAST)
        assert caught.value.code == "transcription_failed"
        with pytest.raises(NotFoundError) as missing:
            await client.get("job_nope")
        assert missing.value.request_id and missing.value.request_id.startswith("req_")


@pytest.mark.slow
def test_async_client_end_to_end(api_server: ApiServer, tmp_path: Path) -> None:
    asyncio.run(_flow(api_server, tmp_path))
