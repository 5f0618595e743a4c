"""The remote CLI (``podclip submit/jobs/clips/export``) against the real API on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.e2e.helpers import ApiServer, free_port

pytestmark = [pytest.mark.network, pytest.mark.slow]  # each runs subprocesses of podclip
PODCLIP = str(Path(sys.executable).with_name("podclip"))


def _cli(server: ApiServer | None, *args: str, key: str | None = None, **env: str) -> (
    subprocess.CompletedProcess[str]
):  # fmt: skip
    base = {k: v for k, v in os.environ.items() if not k.startswith("PODCLIP_API_")}
    if server is not None:
        base["PODCLIP_API_URL"] = server.base_url
        base["PODCLIP_API_KEY"] = key or server.key("test")
    base["COLUMNS"] = "200"
    return subprocess.run(
        [PODCLIP, *args], capture_output=True, text=True, timeout=120, env={**base, **env}
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_submit_wait_clips_jobs_export(api_server: ApiServer, tmp_path: Path) -> None:
    waited = _cli(api_server, "submit", "https://example.com/cli/episode.mp3", "--wait",
                  "--platform", "tiktok", "--show", "CLI Show")  # fmt: skip
    out = _ok(waited)
    job_id = out.splitlines()[0].strip()
    assert job_id.startswith("job_")
    assert "bold_prediction" in out and "/v1/media/" in out
    assert "complete" in waited.stderr  # the progress display's last state

    clips = json.loads(_ok(_cli(api_server, "clips", job_id, "--json")))
    assert clips["job_id"] == job_id and clips["status"] == "complete"
    assert [c["rank"] for c in clips["clips"]] == [1, 2, 3]
    table = _ok(_cli(api_server, "clips", job_id))
    assert "how_to" in table and "emotional_story" in table

    queued = json.loads(_ok(_cli(api_server, "submit", "https://example.com/cli/2.mp3", "--json")))
    assert queued["status"] == "queued" and queued["show_name"] is None
    listed = json.loads(_ok(_cli(api_server, "jobs", "--json", "--limit", "2")))
    assert [j["id"] for j in listed] == [queued["id"], job_id]
    assert job_id in _ok(_cli(api_server, "jobs"))

    target = tmp_path / "out.zip"
    exported = _ok(_cli(api_server, "export", job_id, "--platform", "tiktok", "-o", str(target)))
    assert exported.strip() == str(target)
    with zipfile.ZipFile(target) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".mp4")]) == 3
    described = json.loads(_ok(_cli(api_server, "export", job_id, "--format", "mp4", "--json")))
    assert described["format"] == "mp4" and described["export_url"].startswith("http")


def test_failures_exit_non_zero_with_a_message(api_server: ApiServer, tmp_path: Path) -> None:
    failed = _cli(api_server, "submit", "https://example.com/will-fail.mp3", "--wait")
    assert failed.returncode == 1 and "transcription_failed" in failed.stderr
    assert failed.stdout.startswith("job_")

    missing = _cli(api_server, "clips", "job_nope")
    assert missing.returncode == 1 and "not_found" in missing.stderr and "req_" in missing.stderr

    failed_id = failed.stdout.splitlines()[0].strip()
    not_done = _cli(api_server, "export", failed_id, "-o", str(tmp_path / "x.zip"))
    assert not_done.returncode == 1 and "job_not_complete" in not_done.stderr
    assert not (tmp_path / "x.zip").exists()

    live = api_server.key("live")  # live jobs stay queued here: nothing drains the queue
    slow = _cli(api_server, "submit", "http://127.0.0.1:9/q.mp3", "--wait", "--timeout", "1",
                key=live)  # fmt: skip
    assert slow.returncode == 3 and "still queued" in slow.stderr

    no_key = _cli(None, "jobs", PODCLIP_API_URL=api_server.base_url)
    assert no_key.returncode == 2 and "PODCLIP_API_KEY" in no_key.stderr

    bad_key = _cli(api_server, "jobs", key="clk_test_" + "1" * 32)
    assert bad_key.returncode == 1 and "invalid_api_key" in bad_key.stderr

    down = _cli(api_server, "jobs", PODCLIP_API_URL=f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 1 and "Could not reach" in down.stderr

    usage = _cli(api_server, "submit", "https://example.com/a.mp3", "--clips", "many")
    assert usage.returncode == 2
    no_file = _cli(api_server, "submit", str(tmp_path / "nope.mp3"))
    assert no_file.returncode == 2 and "No such file" in no_file.stderr
    bad_url = _cli(api_server, "submit", "https://example.com/a.mp3", "--type", "rss_feed_url",
                   "--trailer")  # fmt: skip
    assert bad_url.returncode == 1 and "trailer_not_supported_for_source" in bad_url.stderr
    for result in (failed, missing, not_done, slow, no_key, bad_key, down, usage, no_file, bad_url):
        assert "Traceback" not in result.stderr


def test_live_key_clips_through_api_url_flag(api_server: ApiServer) -> None:
    from tests.e2e.test_client import server_settings
    from tests.support.seed import seed_published_job

    job_id = seed_published_job(server_settings(api_server))
    live = api_server.key("live")
    env_only_key = _cli(None, "clips", job_id, "--json", "--api-url", api_server.base_url,
                        PODCLIP_API_KEY=live)  # fmt: skip
    body = json.loads(_ok(env_only_key))
    assert [c["id"] for c in body["clips"]] == ["clip_seed"]
