"""Prefect tasks that poll one feed: fetch it (network), parse it, record its new episodes.

The work itself is in :mod:`podclip.feeds` (download and parse) and :mod:`store.feeds`
(queries); these wrappers add what Prefect needs. Nothing here is cached or persisted: a poll
must ask the server every time (the conditional GET makes that cheap), and a feed body is no
result worth keeping.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from podclip.core.netsafe import EgressPolicy
from podclip.core.settings import Settings, feed_settings, get_settings
from podclip.store import accounts, ops
from podclip.store import feeds as feed_store
from podclip.tasks import feed_reader as feed_io
from podclip.tasks.retry import retry_unless_permanent


@dataclass(frozen=True)
class FeedPollResult:
    """What one poll did to one feed."""

    feed_id: str
    url: str
    status: int | None
    created_job_ids: tuple[str, ...] = ()
    skipped: int = 0
    """New items recorded as seen without a job (beyond the backfill or the flood guard)."""
    error: str | None = None


@task(
    name="fetch_feed",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=retry_unless_permanent,
)
def fetch_feed(url: str, etag: str | None, last_modified: str | None) -> feed_io.FeedResponse:
    """GET the feed, conditionally when validators are known; retried on network errors only."""
    settings = get_settings()
    return feed_io.fetch_feed(
        url,
        etag=etag,
        last_modified=last_modified,
        limits=feed_settings(settings),
        policy=EgressPolicy.from_settings(settings),
    )


@task(name="parse_feed", cache_policy=NO_CACHE, persist_result=False)
def parse_feed(response: feed_io.FeedResponse) -> feed_io.ParsedFeed:
    """Parse a 200 answer into episodes, newest first (refusing DTDs and non-feeds)."""
    if response.body is None:
        raise ValueError("parse_feed needs a response with a body (not a 304)")
    parsed = feed_io.parse_feed(
        response.body,
        content_type=response.content_type,
        url=response.final_url,
        max_items=feed_settings().max_items_parsed,
    )
    if parsed.warning:
        get_run_logger().info("feed %s: %s", response.url, parsed.warning)
    return parsed


@task(name="record_episodes", cache_policy=NO_CACHE, persist_result=False)
def record_episodes(
    feed_id: str,
    status: int,
    etag: str | None,
    last_modified: str | None,
    parsed: feed_io.ParsedFeed | None,
) -> FeedPollResult:
    """Queue a job per new episode, record the rest as seen, store the new validators.

    ``parsed`` is None after a 304: nothing changed, only the poll time is recorded.
    """
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    feed = feed_store.get_feed(engine, feed_id)
    created: list[str] = []
    skipped = 0
    if parsed is not None:
        take, skip = feed_io.plan_new_episodes(
            parsed.episodes,
            feed_store.seen_guids(engine, feed_id),
            first_poll=feed.last_success_at is None,
            backfill=feed.backfill,
            max_items=feed_settings(settings).max_items_per_poll,
        )
        if skip and feed.last_success_at is not None:
            get_run_logger().warning(
                "feed %s has %d new items; queued the newest %d, skipped the rest",
                feed.url,
                len(take) + len(skip),
                len(take),
            )
        # Items past the job budget stay unseen: a later poll, with budget, takes them.
        budget = job_budget(engine, feed, settings)
        if len(take) > budget:
            get_run_logger().warning(
                "feed %s: job budget allows %d of %d new jobs now", feed.url, budget, len(take)
            )
            take = take[:budget]
        # Seen-only rows go in before any claim, so a poller racing this one never takes an
        # item that this poll decided to skip.
        feed_store.mark_seen(engine, feed_id, [_item(e) for e in skip])
        show_name = feed.show_name or parsed.title
        claims = [
            (
                _item(e),
                {
                    **feed_io.episode_job_fields(e, show_name=show_name, feed_id=feed_id),
                    "environment": feed.environment,
                    # The feed's owner: its jobs are that account's, never anyone else's.
                    "account_id": feed.account_id,
                },
            )
            for e in take
        ]
        created = feed_store.claim_items(engine, feed_id, claims)
        skipped = len(skip)
    created += feed_store.create_missing_jobs(engine, feed_id)
    not_modified = parsed is None
    feed_store.record_poll_success(
        engine,
        feed_id,
        status=status,
        # A 304 may leave its validators out; the stored ones still hold.
        etag=etag or (feed.etag if not_modified else None),
        last_modified=last_modified or (feed.last_modified if not_modified else None),
        title=parsed.title if parsed else None,
    )
    return FeedPollResult(feed_id, feed.url, status, tuple(created), skipped)


def job_budget(engine: Engine, feed: feed_store.Feed, settings: Settings) -> int:
    """How many jobs this feed may queue now: what is left of its account's job budgets.

    Feed jobs count like submitted ones: against ``accounts.max_active_jobs`` (the account's
    live jobs queued or running, the budget ``POST /v1/jobs`` spends too) and
    ``feeds.max_queued_jobs`` (the account's jobs waiting in the feed's environment).
    """
    queued_limit = feed_settings(settings).max_queued_jobs
    queued = ops.list_jobs(
        engine,
        limit=queued_limit,
        environment=feed.environment,
        status="queued",
        account_id=feed.account_id,
    )
    left = queued_limit - len(queued)
    if feed.environment == "live":
        active = accounts.count_active_jobs(engine, feed.account_id)
        left = min(left, settings.accounts.max_active_jobs - active)
    return max(0, left)


def _item(episode: feed_io.Episode) -> feed_store.FeedItem:
    return feed_store.FeedItem(
        guid=episode.guid,
        enclosure_url=episode.enclosure_url,
        title=episode.title,
        published_at=episode.published_at,
    )


@task(
    name="resolve_newest_episode",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=retry_unless_permanent,
)
def resolve_newest_episode(feed_url: str) -> feed_io.Episode:
    """The newest audio/video episode of the feed an ``rss_feed_url`` job names."""
    return feed_io.newest_episode(feed_url)
