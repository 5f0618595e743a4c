"""Flows that bring work in: ``poll-feeds`` turns new episodes of watched feeds into jobs.

Fetches run concurrently, one ``fetch_feed`` task per feed (retried on network errors only);
each answer is then parsed and recorded on its own. A feed that fails (unreachable, hostile,
not a feed) gets its error recorded on its row and never stops the other feeds. Feeds of
sandbox keys are never polled (no outbound connection for sandbox keys); each feed's jobs
belong to the feed's account and count against its job budget (:func:`tasks.feeds.job_budget`).
"""

from __future__ import annotations

from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from sqlalchemy import Engine

from podclip.core.errors import PodclipError
from podclip.core.settings import feed_settings, get_settings
from podclip.store import feeds as feed_store
from podclip.store import ops
from podclip.tasks import feed_reader as feed_io
from podclip.tasks.feeds import FeedPollResult, fetch_feed, parse_feed, record_episodes

FETCH_CONCURRENCY = 8
"""Feeds downloaded at once; parsing and recording then go one feed at a time."""


@flow(
    name="poll-feeds",
    task_runner=cast("TaskRunner[Any]", ThreadPoolTaskRunner(max_workers=FETCH_CONCURRENCY)),
    persist_result=False,
    log_prints=False,
)
def poll_feeds(feed_ids: list[str] | None = None) -> list[FeedPollResult]:
    """Poll every active live feed (or only those of ``feed_ids``); return what each poll did."""
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    limits = feed_settings(settings)
    fetch = fetch_feed.with_options(
        retries=limits.fetch_retries, retry_delay_seconds=limits.retry_delay_seconds
    )
    # Sandbox (test) feeds are never fetched: sandbox keys make no outbound connection.
    live = feed_store.list_feeds(engine, environment="live")
    watched = [f for f in live if feed_ids is None or f.id in feed_ids]
    fetches = [(feed, fetch.submit(feed.url, feed.etag, feed.last_modified)) for feed in watched]
    return [_finish_poll(engine, feed, future) for feed, future in fetches]


def _finish_poll(
    engine: Engine, feed: feed_store.Feed, fetched: PrefectFuture[feed_io.FeedResponse]
) -> FeedPollResult:
    try:
        response = fetched.result()
        parsed = parse_feed(response) if response.body is not None else None
        return record_episodes(
            feed.id, response.status, response.etag, response.last_modified, parsed
        )
    except Exception as exc:  # one broken feed must never stop the others
        message = exc.message if isinstance(exc, PodclipError) else f"{type(exc).__name__}: {exc}"
        status = getattr(exc, "http_status", None)
        get_run_logger().warning("feed %s (%s): %s", feed.id, feed.url, message)
        feed_store.record_poll_error(engine, feed.id, message=message, status=status)
        return FeedPollResult(feed.id, feed.url, status, error=message)
