"""Sandbox feeds are never fetched; feed jobs belong to the feed's account and spend its job
budget; exports name no server path.

Findings: sandbox keys' feeds were polled for real; one feed with backfill 100 and rotating
guids made 50 live jobs per poll, around the job rate limit; timeline exports referenced the
source by its absolute path on the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.logging import disable_run_logger

from podclip.api.routes import exports
from podclip.core.settings import get_settings
from podclip.store import accounts, ops
from podclip.store import feeds as feed_store
from podclip.store.media import MediaStore
from podclip.tasks import feed_reader
from podclip.tasks.feeds import record_episodes
from tests.support.egress import Canary, attacker, page

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("guarded")]


def _feed(count: int, prefix: str) -> str:
    items = "".join(
        f"<item><guid>{prefix}{i}</guid><title>E{i}</title>"
        f'<enclosure url="https://cdn.example.com/{prefix}{i}.mp3" type="audio/mpeg"/></item>'
        for i in range(count)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Rotating</title>'
    return f"{head}{items}</channel></rss>"


def test_sandbox_feeds_are_never_polled(canary_service: Canary, prefect_results: Path) -> None:
    from podclip.flows.ingest import poll_feeds

    engine = ops.engine_for(get_settings().resolved_database_url)
    sandbox = feed_store.add_feed(engine, canary_service.url("feed.xml"), environment="test")
    with attacker({"/feed.xml": page(_feed(1, "g"), "application/rss+xml")}) as host:
        live = feed_store.add_feed(engine, host.url("feed.xml"), backfill=0)
        results = {r.feed_id: r for r in poll_feeds()}
    assert host.count("/feed.xml") == 1  # the control: a live feed is fetched
    assert live.id in results and sandbox.id not in results
    assert canary_service.connections == 0
    assert feed_store.get_feed(engine, sandbox.id).last_polled_at is None


def test_a_feed_with_rotating_guids_stays_within_its_accounts_job_budget(
    canary_service: Canary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODCLIP_ACCOUNTS__MAX_ACTIVE_JOBS", "5")
    get_settings.cache_clear()
    engine = ops.engine_for(get_settings().resolved_database_url)
    owner = accounts.create_account(engine, "podcaster").id
    other = accounts.create_account(engine, "bystander").id
    # One job submitted through the API already spends the owner's budget.
    ops.create_job(
        engine, source_type="audio_url", source_url="https://e.com/a.mp3", account_id=owner
    )
    routes = {
        "/a.xml": page(_feed(100, "first-"), "application/rss+xml"),
        "/b.xml": page(_feed(100, "rotated-"), "application/rss+xml"),
    }
    with attacker(routes) as host:
        feed = feed_store.add_feed(engine, host.url("a.xml"), backfill=100, account_id=owner)
        polls = [feed_reader.read_feed(host.url(p)) for p in ("a.xml", "b.xml")]
    with disable_run_logger():
        made = [record_episodes.fn(feed.id, 200, None, None, parsed) for parsed in polls]
    assert [len(r.created_job_ids) for r in made] == [4, 0]
    assert accounts.count_active_jobs(engine, owner) == 5
    created = [ops.get_job(engine, j) for j in made[0].created_job_ids]
    assert {j.account_id for j in created} == {owner}  # the feed's jobs are its owner's
    assert accounts.count_active_jobs(engine, other) == 0
    assert canary_service.connections == 0


def test_timeline_exports_name_the_source_by_a_relative_name(tmp_path: Path) -> None:
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    scratch = tmp_path / "episode.mp3"
    scratch.write_bytes(b"not really audio")
    sha = "ab" * 32
    store.put(scratch, f"sources/{sha}.mp3")
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(
        engine,
        source_type="upload",
        source_url=str(store.local_path(f"sources/{sha}.mp3")),  # an upload's server path
        source={"type": "upload", "url": None, "filename": "My Episode.mp3"},
    )
    ops.update_job(engine, job.id, source_sha256=sha, duration_seconds=120.0)
    job = ops.get_job(engine, job.id)
    row = {
        "clip_id": "clip_1", "rank": 1, "start_seconds": 1.0, "end_seconds": 31.0,
        "moment_type": "how_to", "shareability_score": 80.0, "hook": "A hook",
    }  # fmt: skip
    files = exports.timeline_files(store, job, [row])
    assert set(files) == {"timeline.otio", "timeline.edl", "timeline.fcpxml"}
    for name, body in files.items():
        assert "My Episode.mp3" in body, name
        for secret in (str(settings.root), str(store.root), "file://", str(tmp_path)):
            assert secret not in body, (name, secret)
