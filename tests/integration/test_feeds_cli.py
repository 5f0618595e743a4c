"""``podclip feeds`` (the typer sub-app) against a real feed on loopback and a real jobs table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podclip.cli.feeds import app
from podclip.core.settings import get_settings
from podclip.store import ops
from tests.support.feedserver import FeedHost
from tests.support.httpserver import serve

pytestmark = pytest.mark.network

LIBSYN = Path("feeds/node-podcast-parser/libsyn-example-podcast.xml")


@pytest.fixture
def runner(prefect_results: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # The CLI sets these with os.environ.setdefault; pin them so the test leaves no trace.
    monkeypatch.setenv("PREFECT_LOCAL_STORAGE_PATH", str(prefect_results))
    monkeypatch.setenv("PREFECT_TASKS_DEFAULT_PERSIST_RESULT", "true")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    return CliRunner()


def test_add_list_poll_remove(
    runner: CliRunner, tmp_path: Path, shared_data: Path, sample_episode: Path
) -> None:
    with serve(tmp_path / "www") as server:
        host = FeedHost(server)
        body, _media = host.localize_enclosures((shared_data / LIBSYN).read_bytes(), sample_episode)
        url = host.publish("/rss", body)

        added = runner.invoke(app, ["add", url, "--show", "F&E Live", "--backfill", "2"])
        assert added.exit_code == 0, added.output
        feed_id = added.output.split()[1]
        assert feed_id.startswith("feed_")

        duplicate = runner.invoke(app, ["add", url])
        assert duplicate.exit_code == 1 and "already registered" in duplicate.output

        listed = runner.invoke(app, ["list", "--json"])
        assert listed.exit_code == 0, listed.output
        (row,) = json.loads(listed.output)
        assert (row["id"], row["url"], row["show_name"], row["backfill"]) == (
            feed_id,
            url,
            "F&E Live",
            2,
        )
        assert row["last_polled_at"] is None
        assert feed_id in runner.invoke(app, ["list"]).output

        polled = runner.invoke(app, ["poll"])
        assert polled.exit_code == 0, polled.output
        assert "2 new" in polled.output
        assert "Episode 128" in polled.output and "Episode 127" in polled.output
        jobs = ops.list_jobs(ops.engine_for(get_settings().resolved_database_url))
        assert {j.show_name for j in jobs} == {"F&E Live"} and len(jobs) == 2
        assert all(j.id in polled.output for j in jobs)

        again = runner.invoke(app, ["poll", "--json"])
        assert again.exit_code == 0, again.output
        (result,) = json.loads(again.output)
        assert (result["status"], result["created_job_ids"], result["error"]) == (304, [], None)

    removed = runner.invoke(app, ["remove", feed_id])
    assert removed.exit_code == 0 and "removed" in removed.output
    assert json.loads(runner.invoke(app, ["list", "--json"]).output) == []
    gone = runner.invoke(app, ["remove", feed_id])
    assert gone.exit_code == 1 and "No active feed" in gone.output
    assert "no feeds to poll" in runner.invoke(app, ["poll"]).output


def test_poll_reports_a_broken_feed(runner: CliRunner, tmp_path: Path) -> None:
    with serve(tmp_path / "www") as server:
        assert runner.invoke(app, ["add", server.url("/missing.xml")]).exit_code == 0
        polled = runner.invoke(app, ["poll"])
    assert polled.exit_code == 0, polled.output
    assert "answered HTTP 404" in polled.output
    listed = json.loads(runner.invoke(app, ["list", "--json"]).output)
    assert listed[0]["last_status"] == 404 and "HTTP 404" in listed[0]["last_error"]
