"""Feed limits: bytes, items read per poll, and jobs made by feeds against the job budget.

Findings: a 10 MB feed took about 10 s to parse and wrote 74k rows per poll; feeds got around
the job rate limit (one feed with backfill 100 made 50 live jobs per poll). The feeds are
served by the "public" attacker on 127.0.0.2.
"""

from __future__ import annotations

import pytest
from prefect.logging import disable_run_logger

from podclip.core.errors import PodclipError
from podclip.core.settings import get_settings
from podclip.store import feeds as feed_store
from podclip.store import ops
from podclip.tasks import feed_reader
from podclip.tasks.feeds import record_episodes
from tests.support.egress import Canary, attacker, page

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("guarded")]


def _feed(count: int, start: int = 0) -> str:
    items = "".join(
        f"<item><guid>g{i}</guid><title>E{i}</title>"
        f'<enclosure url="https://cdn.example.com/{i}.mp3" type="audio/mpeg"/></item>'
        for i in range(start, start + count)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>'
    return f"{head}{items}</channel></rss>"


def test_a_10_mb_feed_reads_and_writes_at_most_the_item_cap(canary_service: Canary) -> None:
    body = _feed(80_000)
    assert len(body) > 10 * 10**6 // 2  # several MB of tiny items
    cap = get_settings().feeds.max_items_parsed
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    with attacker({"/feed.xml": page(body, "application/rss+xml")}) as host:
        feed = feed_store.add_feed(engine, host.url("feed.xml"), backfill=1)
        parsed = feed_reader.read_feed(host.url("feed.xml"))
    assert len(parsed.episodes) == cap
    guids = {e.guid for e in parsed.episodes}
    assert {"g0", "g79999"} <= guids  # the first and the last items are both read
    with disable_run_logger():
        result = record_episodes.fn(feed.id, 200, None, None, parsed)
    assert len(result.created_job_ids) == 1
    assert len(feed_store.items_for_feed(engine, feed.id)) <= cap
    assert canary_service.connections == 0


def test_a_feed_over_the_byte_cap_is_refused(
    canary_service: Canary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODCLIP_FEEDS__MAX_FEED_BYTES", "100000")
    get_settings.cache_clear()
    routes = {"/feed.xml": page(_feed(2000), "application/rss+xml")}
    with attacker(routes) as host, pytest.raises(PodclipError) as caught:
        feed_reader.read_feed(host.url("feed.xml"))
    assert caught.value.code == "invalid_feed"
    assert "the limit is 100000 bytes" in caught.value.message
    assert canary_service.connections == 0


def test_feed_jobs_count_against_the_job_budget(
    canary_service: Canary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODCLIP_FEEDS__MAX_QUEUED_JOBS", "5")
    get_settings.cache_clear()
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    ops.create_job(engine, source_type="audio_url", source_url="https://example.com/queued.mp3")
    with attacker({"/feed.xml": page(_feed(40), "application/rss+xml")}) as host:
        feed = feed_store.add_feed(engine, host.url("feed.xml"), backfill=40)
        parsed = feed_reader.read_feed(host.url("feed.xml"))
    with disable_run_logger():
        first = record_episodes.fn(feed.id, 200, None, None, parsed)
        again = record_episodes.fn(feed.id, 200, None, None, parsed)
    assert len(first.created_job_ids) == 4  # 5 queued at most, one was already waiting
    assert again.created_job_ids == ()  # the budget is spent until those jobs start
    assert len(feed_store.items_for_feed(engine, feed.id)) == 4  # the rest stays unseen
    assert canary_service.connections == 0
