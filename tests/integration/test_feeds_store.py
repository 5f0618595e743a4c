"""The feed tables on a real SQLite file: registration, insert-first claims, crash repair."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select

from podclip.core.errors import FeedExists, FeedNotFound, InvalidFeedRequest, InvalidSourceUrl
from podclip.store import feeds, ops
from podclip.store.migrate import migrate
from podclip.store.schema import feed_items, job_events, jobs, schema_migrations

pytestmark = pytest.mark.both_databases  # the store: SQLite and PostgreSQL


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Engine:
    # database_url: each test runs on SQLite and on PostgreSQL (tests/conftest.py).
    url = database_url or f"sqlite:///{tmp_path / 'ops.db'}"
    migrate(url)
    return ops.engine_for(url)


def _job_fields(n: int) -> dict[str, object]:
    return {
        "source_type": "audio_url",
        "source_url": f"https://e.com/{n}.mp3",
        "options": {"guid": f"g{n}"},
        "title": f"Episode {n}",
        "environment": "live",
    }


def _claims(count: int) -> list[tuple[feeds.FeedItem, dict[str, object]]]:
    return [
        (feeds.FeedItem(guid=f"g{n}", title=f"Episode {n}"), _job_fields(n)) for n in range(count)
    ]


def test_migration_40_applied(engine: Engine) -> None:
    with engine.connect() as conn:
        versions = {r.version for r in conn.execute(select(schema_migrations.c.version))}
    assert {1, 40} <= versions


def test_add_list_get_remove_and_reactivate(engine: Engine) -> None:
    feed = feeds.add_feed(engine, "https://e.com/feed.xml", "The Show", 3)
    assert (feed.url, feed.show_name, feed.backfill, feed.active) == (
        "https://e.com/feed.xml",
        "The Show",
        3,
        True,
    )
    assert feed.id.startswith("feed_") and feed.environment == "live"
    assert feed.last_polled_at is None and feed.created_at.tzinfo is not None
    assert feeds.add_feed(engine, "https://e.com/other.xml").backfill == 1  # the default
    assert [f.url for f in feeds.list_feeds(engine)] == [
        "https://e.com/feed.xml",
        "https://e.com/other.xml",
    ]
    with pytest.raises(FeedExists):
        feeds.add_feed(engine, "https://e.com/feed.xml")
    sandbox = feeds.add_feed(engine, "https://e.com/feed.xml", environment="test")
    assert sandbox.environment == "test"

    removed = feeds.remove_feed(engine, feed.id)
    assert not removed.active
    assert feed.id not in {f.id for f in feeds.list_feeds(engine)}
    assert feed.id in {f.id for f in feeds.list_feeds(engine, include_removed=True)}
    with pytest.raises(FeedNotFound):
        feeds.remove_feed(engine, feed.id)
    with pytest.raises(FeedNotFound):
        feeds.get_feed(engine, "feed_nope")

    again = feeds.add_feed(engine, "https://e.com/feed.xml", "New Name", 0)
    assert (again.id, again.active, again.show_name, again.backfill) == (
        feed.id,
        True,
        "New Name",
        0,
    )


@pytest.mark.parametrize("url", ["ftp://e.com/feed.xml", "file:///etc/passwd", "not a url"])
def test_add_refuses_non_http_urls(engine: Engine, url: str) -> None:
    with pytest.raises(InvalidSourceUrl):
        feeds.add_feed(engine, url)


def test_negative_backfill_refused(engine: Engine) -> None:
    with pytest.raises(InvalidFeedRequest):
        feeds.add_feed(engine, "https://e.com/feed.xml", backfill=-1)


def test_poll_bookkeeping(engine: Engine) -> None:
    feed = feeds.add_feed(engine, "https://e.com/feed.xml")
    feeds.record_poll_error(engine, feed.id, message="boom", status=500)
    failed = feeds.get_feed(engine, feed.id)
    assert (failed.last_error, failed.last_status, failed.last_success_at) == ("boom", 500, None)
    feeds.record_poll_success(
        engine, feed.id, status=200, etag='"abc"', last_modified="Tue, 14 Nov 2023", title="T"
    )
    ok = feeds.get_feed(engine, feed.id)
    assert (ok.last_error, ok.last_status, ok.etag, ok.title) == (None, 200, '"abc"', "T")
    assert ok.last_success_at is not None and ok.display_name == "T"


def test_claims_are_insert_first_and_seen_items_never_become_jobs(engine: Engine) -> None:
    feed = feeds.add_feed(engine, "https://e.com/feed.xml")
    published = datetime(2024, 1, 1, tzinfo=UTC)
    feeds.mark_seen(engine, feed.id, [feeds.FeedItem("g0", published_at=published)])
    feeds.mark_seen(engine, feed.id, [feeds.FeedItem("g0"), feeds.FeedItem("g9")])  # idempotent
    created = feeds.claim_items(engine, feed.id, _claims(3))
    assert len(created) == 2  # g0 was recorded as seen first
    assert feeds.claim_items(engine, feed.id, _claims(3)) == []
    assert feeds.seen_guids(engine, feed.id) == {"g0", "g1", "g2", "g9"}
    by_guid = {i.guid: i for i in feeds.items_for_feed(engine, feed.id)}
    assert by_guid["g0"].job_id is None and by_guid["g0"].published_at == published
    assert [by_guid["g1"].job_id, by_guid["g2"].job_id] == created
    job = ops.get_job(engine, created[0])
    assert (job.status, job.title, job.source_url) == ("queued", "Episode 1", "https://e.com/1.mp3")


def test_racing_pollers_make_one_job_per_item(engine: Engine) -> None:
    feed = feeds.add_feed(engine, "https://e.com/feed.xml")
    results: list[list[str]] = []
    start = threading.Barrier(4)

    def poller() -> None:
        start.wait()
        results.append(feeds.claim_items(engine, feed.id, _claims(10)))

    threads = [threading.Thread(target=poller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [job_id for batch in results for job_id in batch]
    assert len(created) == len(set(created)) == 10
    assert len(ops.list_jobs(engine, limit=100)) == 10


def test_job_lost_after_its_claim_is_created_later(engine: Engine) -> None:
    feed = feeds.add_feed(engine, "https://e.com/feed.xml")
    (job_id,) = feeds.claim_items(engine, feed.id, _claims(1))
    # Simulate a crash between the claim and the job: the claim stands, the job is gone.
    with engine.begin() as conn:
        conn.execute(delete(job_events).where(job_events.c.job_id == job_id))
        conn.execute(delete(jobs).where(jobs.c.id == job_id))
    assert feeds.create_missing_jobs(engine, feed.id) == [job_id]
    assert ops.get_job(engine, job_id).title == "Episode 0"
    assert feeds.create_missing_jobs(engine, feed.id) == []
    with engine.connect() as conn:
        assert conn.execute(select(feed_items.c.job_id)).scalars().all() == [job_id]
