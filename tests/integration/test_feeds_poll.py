"""The ``poll-feeds`` flow against a real podcast feed served on loopback (no mocks).

The feed is Libsyn's "Frank and Erik Internet Famous" from ``../shared/data/feeds`` with its
enclosures pointed at the bundled sample episode on the same server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from podclip.core.settings import get_settings
from podclip.store import feeds, ops
from podclip.tasks.feeds import FeedPollResult
from tests.support.feedserver import (
    RSS,
    FeedHost,
    billion_laughs,
    body_route,
    closed_port_url,
    declared_length_route,
    endless_route,
    gzip_route,
    hang_up_route,
    insert_item,
    item_xml,
    redirect_route,
)
from tests.support.httpserver import serve

pytestmark = pytest.mark.network

LIBSYN = Path("feeds/node-podcast-parser/libsyn-example-podcast.xml")
FEED_PATH = "/frankanderik/rss"
SHOW = "Frank and Erik Internet Famous"
ARTWORK = "http://static.libsyn.com/p/assets/0/a/0/1/0a015c5ace601833/InternetFamousArt.jpg"
EP128 = "http://traffic.libsyn.com/frankanderik/Internet_Famous_Ep128.mp3?dest-id=30697"
EP127 = "http://traffic.libsyn.com/frankanderik/Internet_Famous_Ep127.mp3?dest-id=30697"
TEN_MIB = 10 * 1024**2
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.fixture
def engine(prefect_results: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    # Connection-refused feeds are retried; no need to wait between attempts here.
    monkeypatch.setenv("PODCLIP_FEEDS__RETRY_DELAY_SECONDS", "0")
    return ops.engine_for(get_settings().resolved_database_url)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[FeedHost]:
    with serve(tmp_path / "www") as server:
        yield FeedHost(server)


@pytest.fixture
def libsyn(shared_data: Path, host: FeedHost, sample_episode: Path) -> tuple[bytes, dict[str, str]]:
    """The real feed with each enclosure URL rewritten to serve the sample episode."""
    return host.localize_enclosures((shared_data / LIBSYN).read_bytes(), sample_episode)


def _poll() -> dict[str, FeedPollResult]:
    from podclip.flows.ingest import poll_feeds

    return {r.feed_id: r for r in poll_feeds()}


def test_backfill_then_not_modified_then_one_new_episode(
    engine: Engine, host: FeedHost, libsyn: tuple[bytes, dict[str, str]], sample_episode: Path
) -> None:
    body, media = libsyn
    feed = feeds.add_feed(engine, host.publish(FEED_PATH, body), backfill=2)

    first = _poll()[feed.id]
    assert first.error is None and first.status == 200
    assert len(first.created_job_ids) == 2 and first.skipped == 4
    newest, second = (ops.get_job(engine, j) for j in first.created_job_ids)
    assert (newest.title, second.title) == ("Episode 128", "Episode 127")
    for job, original, duration in ((newest, EP128, 5702), (second, EP127, 8200)):
        assert job.status == "queued"
        assert job.source_type == "audio_url"
        assert job.source_url == media[original]
        assert job.show_name == SHOW  # no show name configured: the channel title
        assert job.environment == "live"
        assert job.options["artwork_url"] == ARTWORK
        assert job.options["episode_duration_seconds"] == duration
        assert job.options["feed_id"] == feed.id
    assert newest.options["guid"] == "1bdba530eb7cd0fb6241a945fda4db95"
    assert newest.options["published_at"] == "2017-04-21T03:12:13+00:00"
    assert httpx.get(newest.source_url).content == sample_episode.read_bytes()

    stored = feeds.get_feed(engine, feed.id)
    assert stored.last_status == 200 and stored.last_error is None and stored.etag
    assert stored.title == SHOW and stored.last_modified
    items = feeds.items_for_feed(engine, feed.id)
    assert len(items) == 6
    assert [i.job_id for i in items if i.job_id] == list(first.created_job_ids)

    again = _poll()[feed.id]
    assert again.status == 304 and again.created_job_ids == () and again.error is None
    sent = host.headers[FEED_PATH][-1]
    assert sent["if-none-match"] == stored.etag
    assert sent["if-modified-since"] == stored.last_modified
    assert "if-none-match" not in host.headers[FEED_PATH][0]

    new_media = host.serve_media("/media/ep129.mp3", sample_episode.read_bytes())
    item = item_xml(
        "ep-129", "Episode 129", new_media, "Sat, 22 Apr 2017 10:00:00 +0000", "1:02:03"
    )
    host.publish(FEED_PATH, insert_item(body, item))
    third = _poll()[feed.id]
    assert third.status == 200 and len(third.created_job_ids) == 1
    job = ops.get_job(engine, third.created_job_ids[0])
    assert (job.title, job.source_url, job.status) == ("Episode 129", new_media, "queued")
    assert job.options["episode_duration_seconds"] == 3723
    assert job.options["artwork_url"] == ARTWORK  # no item image: the channel's
    assert host.headers[FEED_PATH][-1]["if-none-match"] == stored.etag
    assert len(ops.list_jobs(engine, limit=100)) == 3
    assert _poll()[feed.id].created_job_ids == ()


def _route(host: FeedHost, path: str, route: Callable[..., None]) -> str:
    host.server.routes[path] = route
    return host.server.url(path)


def _redirect_loop(host: FeedHost) -> str:
    _route(host, "/loop-b", redirect_route("/loop-a"))
    return _route(host, "/loop-a", redirect_route(host.server.url("/loop-b")))


def _redirect_chain(host: FeedHost) -> str:
    for hop in range(7):
        _route(host, f"/hop-{hop}", redirect_route(f"/hop-{hop + 1}"))
    return host.server.url("/hop-0")


BAD_FEEDS: dict[str, tuple[Callable[[FeedHost], str], str, int | None]] = {
    "not-xml": (
        lambda h: _route(h, "/bad", body_route(b'this is not XML, {"json": true}\n' * 40, RSS)),
        "is not an RSS or Atom feed",
        None,
    ),
    "xml-bomb": (
        lambda h: _route(h, "/bad", body_route(billion_laughs(), RSS)),
        "declares a DOCTYPE or ENTITY",
        None,
    ),
    "huge-streamed": (
        lambda h: _route(h, "/bad", endless_route(total=TEN_MIB + 4 * 65536)),
        f"larger than the limit of {TEN_MIB} bytes",
        200,
    ),
    "gzip-bomb": (
        lambda h: _route(h, "/bad", gzip_route(b"<rss>" + b"A" * (TEN_MIB + 1))),
        f"larger than the limit of {TEN_MIB} bytes",
        200,
    ),
    "huge-declared": (
        lambda h: _route(h, "/bad", declared_length_route(50 * 1024**3)),
        f"is {50 * 1024**3} bytes; the limit is {TEN_MIB} bytes",
        200,
    ),
    "image-png": (
        lambda h: _route(h, "/bad", body_route(PNG, "image/png")),
        "answered with content type image/png, not an RSS or Atom feed",
        200,
    ),
    "octet-stream": (
        lambda h: _route(h, "/bad", body_route(PNG * 100, "application/octet-stream")),
        "is not an RSS or Atom feed (content type application/octet-stream",
        None,
    ),
    "redirect-loop": (_redirect_loop, "redirects in a loop", None),
    "too-many-redirects": (_redirect_chain, "redirects more than 5 times", None),
    "redirect-to-file": (
        lambda h: _route(h, "/bad", redirect_route("file:///etc/passwd")),
        "Only http and https",
        None,
    ),
    "http-500": (
        lambda h: _route(h, "/bad", body_route(b"oops", "text/plain", status=500)),
        "answered HTTP 500",
        500,
    ),
    "connection-refused": (lambda h: closed_port_url(), "Could not reach feed", None),
}


@pytest.mark.parametrize("kind", sorted(BAD_FEEDS))
def test_bad_feed_records_its_error_and_spares_the_good_one(
    kind: str, engine: Engine, host: FeedHost, libsyn: tuple[bytes, dict[str, str]]
) -> None:
    make_url, expected, status = BAD_FEEDS[kind]
    bad = feeds.add_feed(engine, make_url(host), backfill=2)
    good = feeds.add_feed(engine, host.publish(FEED_PATH, libsyn[0]), backfill=2)

    results = _poll()

    assert len(results[good.id].created_job_ids) == 2 and results[good.id].error is None
    assert results[bad.id].created_job_ids == ()
    assert expected in (results[bad.id].error or "")
    stored = feeds.get_feed(engine, bad.id)
    assert stored.last_error == results[bad.id].error
    assert stored.last_status == status
    assert stored.last_polled_at is not None and stored.last_success_at is None
    assert feeds.items_for_feed(engine, bad.id) == []
    assert len(ops.list_jobs(engine, limit=100)) == 2


def test_network_errors_are_retried_bad_answers_are_not(
    engine: Engine, host: FeedHost, libsyn: tuple[bytes, dict[str, str]]
) -> None:
    url = host.publish(FEED_PATH, libsyn[0])
    host.server.routes[FEED_PATH] = hang_up_route(host.server.routes[FEED_PATH], failures=2)
    flaky = feeds.add_feed(engine, url, backfill=1)
    missing = feeds.add_feed(engine, host.server.url("/gone.xml"), backfill=1)

    results = _poll()

    assert results[flaky.id].error is None and len(results[flaky.id].created_job_ids) == 1
    assert host.server.requests.count(FEED_PATH) == 3  # two hang-ups, then the feed
    assert "HTTP 404" in (results[missing.id].error or "")
    assert host.server.requests.count("/gone.xml") == 1


def test_redirect_loop_requests_each_hop_once(engine: Engine, host: FeedHost) -> None:
    feed = feeds.add_feed(engine, _redirect_loop(host), backfill=1)
    assert "/loop-a -> " in (_poll()[feed.id].error or "")
    assert host.server.requests == ["/loop-a", "/loop-b"]


def test_feed_behind_redirects_and_recovery_after_an_error(
    engine: Engine, host: FeedHost, libsyn: tuple[bytes, dict[str, str]]
) -> None:
    target = host.publish(FEED_PATH, libsyn[0])
    _route(host, "/old-feed", body_route(b"down for maintenance", "text/html", status=503))
    feed = feeds.add_feed(engine, host.server.url("/old-feed"), show_name="F&E", backfill=1)
    failed = _poll()[feed.id]
    assert failed.error and "HTTP 503" in failed.error

    _route(host, "/old-feed", redirect_route("/moved", 301))
    _route(host, "/moved", redirect_route(target, 307))
    recovered = _poll()[feed.id]
    # The first successful poll is still the first: the backfill applies to it.
    assert recovered.error is None and len(recovered.created_job_ids) == 1
    assert ops.get_job(engine, recovered.created_job_ids[0]).show_name == "F&E"
    stored = feeds.get_feed(engine, feed.id)
    assert stored.last_error is None and stored.last_status == 200


def test_private_feed_refused_when_switch_off(
    engine: Engine,
    host: FeedHost,
    libsyn: tuple[bytes, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed = feeds.add_feed(engine, host.publish(FEED_PATH, libsyn[0]), backfill=1)
    monkeypatch.setenv("PODCLIP_ALLOW_PRIVATE_URLS", "0")
    get_settings.cache_clear()
    result = _poll()[feed.id]
    assert "private or reserved address" in (result.error or "")
    assert host.server.requests == []


def test_removed_feed_is_not_polled(
    engine: Engine, host: FeedHost, libsyn: tuple[bytes, dict[str, str]]
) -> None:
    feed = feeds.add_feed(engine, host.publish(FEED_PATH, libsyn[0]), backfill=1)
    feeds.remove_feed(engine, feed.id)
    assert _poll() == {}
    assert host.server.requests == []
