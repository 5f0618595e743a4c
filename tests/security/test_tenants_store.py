"""Tenants at the store: every query that reads, lists, deletes, test-fires or replays takes the
account, and another account's row is exactly as missing as no row (``not_found``).

Finding: everything was scoped only by environment: a key listed, deleted and test-fired other
keys' webhooks, every webhook received every job's events, test-fire sent anyone's latest job,
any key read any job and listed and deleted any feed. Also: 5,000 webhooks made each job
creation take 2.5 s inside the write transaction; webhook secrets were plain text in the
database. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select, text

from podclip.core.errors import FeedNotFound, JobNotFound, LimitReached, NoJobs, WebhookNotFound
from podclip.core.settings import get_settings
from podclip.store import accounts, ops, sealing
from podclip.store import feeds as feed_store
from podclip.store import webhook_deliveries as deliveries
from podclip.store import webhook_registry as registry
from podclip.store.job_record import utcnow
from podclip.store.schema import webhook_deliveries, webhooks
from podclip.store.webhook_deliveries import Claim

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("data_root")]
HOOK = "https://hooks.example.com/in"


@pytest.fixture
def engine(database_url: str | None) -> Engine:
    return ops.engine_for(get_settings().resolved_database_url)


@pytest.fixture
def two(engine: Engine) -> tuple[str, str]:
    """Two accounts' ids: (ours, theirs)."""
    return (
        accounts.create_account(engine, "ours").id,
        accounts.create_account(engine, "theirs").id,
    )


def _job(engine: Engine, account_id: str, url: str = "https://example.com/a.mp3") -> str:
    return ops.create_job(engine, source_type="audio_url", source_url=url, account_id=account_id).id


def test_another_accounts_job_is_not_found_and_never_listed(
    engine: Engine, two: tuple[str, str]
) -> None:
    ours, theirs = two
    secret_url = "https://cdn.example.com/ep.mp3?token=THEIRS"
    their_job = _job(engine, theirs, secret_url)
    mine = _job(engine, ours)
    with pytest.raises(JobNotFound) as caught:
        ops.get_job(engine, their_job, account_id=ours, environment="live")
    assert caught.value.code == "not_found"
    listed = ops.list_jobs(engine, environment="live", account_id=ours)
    assert [j.id for j in listed] == [mine]
    assert all(j.source_url != secret_url for j in listed)  # their source URL never shows
    with pytest.raises(JobNotFound):  # nor can their job id serve as our page cursor
        ops.list_jobs(engine, starting_after=their_job, account_id=ours)


def test_webhooks_of_another_account_cannot_be_read_deleted_or_test_fired(
    engine: Engine, two: tuple[str, str]
) -> None:
    ours, theirs = two
    their_hook = registry.create_webhook(
        engine, url=HOOK, events=["job.completed"], environment="live", account_id=theirs
    )
    _job(engine, theirs)
    calls = (
        lambda: registry.get_webhook(engine, their_hook.id, environment="live", account_id=ours),
        lambda: registry.delete_webhook(engine, their_hook.id, environment="live", account_id=ours),
        lambda: deliveries.fire_test_event(
            engine, their_hook.id, environment="live", account_id=ours
        ),
        lambda: deliveries.list_deliveries(
            engine, their_hook.id, environment="live", account_id=ours
        ),
    )
    for call in calls:
        with pytest.raises(WebhookNotFound) as caught:
            call()
        assert caught.value.code == "not_found"
    assert registry.list_webhooks(engine, environment="live", account_id=ours) == []
    # Still theirs, untouched.
    assert registry.get_webhook(engine, their_hook.id, environment="live", account_id=theirs)


def test_test_fire_uses_only_the_accounts_own_jobs(engine: Engine, two: tuple[str, str]) -> None:
    ours, theirs = two
    hook = registry.create_webhook(
        engine, url=HOOK, events=["job.completed"], environment="live", account_id=ours
    )
    _job(engine, theirs, "https://cdn.example.com/theirs.mp3")
    with pytest.raises(NoJobs) as caught:  # their job exists, but it is not ours to send
        deliveries.fire_test_event(engine, hook.id, environment="live", account_id=ours)
    assert caught.value.code == "no_jobs"
    mine = _job(engine, ours)
    fired = deliveries.fire_test_event(engine, hook.id, environment="live", account_id=ours)
    claim = Claim(fired.id, 1, "test")
    assert deliveries.outbound(engine, claim).job.id == mine


def test_a_delivery_of_another_account_cannot_be_replayed(
    engine: Engine, two: tuple[str, str]
) -> None:
    ours, theirs = two
    hook = registry.create_webhook(
        engine, url=HOOK, events=["job.created"], environment="live", account_id=theirs
    )
    _job(engine, theirs)
    (theirs_delivery,) = deliveries.list_deliveries(
        engine, hook.id, environment="live", account_id=theirs
    )
    for call in (deliveries.replay_delivery, deliveries.get_delivery):
        with pytest.raises(WebhookNotFound) as caught:
            call(engine, theirs_delivery.id, environment="live", account_id=ours)
        assert caught.value.code == "not_found"


def test_events_fan_out_only_to_the_jobs_own_account(engine: Engine, two: tuple[str, str]) -> None:
    ours, theirs = two
    our_hook = registry.create_webhook(
        engine, url=HOOK, events=["job.created"], environment="live", account_id=ours
    )
    their_hook = registry.create_webhook(
        engine, url=HOOK, events=["job.created"], environment="live", account_id=theirs
    )
    _job(engine, theirs)
    _job(engine, theirs)
    _job(engine, ours)
    with engine.connect() as conn:
        rows = conn.execute(select(webhook_deliveries.c.webhook_id)).scalars().all()
    assert sorted(rows) == sorted([their_hook.id, their_hook.id, our_hook.id])


def test_job_creation_reads_only_its_accounts_webhooks(
    engine: Engine, two: tuple[str, str]
) -> None:
    """5,000 webhooks of other accounts: the fan-out query goes through the account index and
    a job of ours gets no delivery of theirs (the plan, not a timing, is asserted)."""
    ours, theirs = two
    now = utcnow()
    rows = [
        {
            "id": f"we_bulk{i:05d}",
            "environment": "live",
            "account_id": theirs,
            "url": HOOK,
            "events": '["job.created"]',
            "secret": "fernet:x",
            "format": "clypt",
            "active": True,
            "consecutive_failures": 0,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(5000)
    ]
    with engine.begin() as conn:
        conn.execute(insert(webhooks), rows)
    _job(engine, ours)
    with engine.connect() as conn:
        assert conn.execute(select(webhook_deliveries.c.id)).first() is None
        if engine.dialect.name == "sqlite":
            from podclip.store.webhook_outbox import SUBSCRIBERS

            compiled = SUBSCRIBERS.compile(engine, compile_kwargs={"literal_binds": False})
            plan = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}",
                (ours, "live"),
            ).all()
            detail = " ".join(str(r[-1]) for r in plan)
            assert "ix_webhooks_account" in detail and "SCAN" not in detail, detail


def test_feeds_of_another_account_cannot_be_read_listed_or_removed(
    engine: Engine, two: tuple[str, str]
) -> None:
    ours, theirs = two
    feed = feed_store.add_feed(engine, "https://feeds.example.com/theirs.xml", account_id=theirs)
    with pytest.raises(FeedNotFound) as caught:
        feed_store.get_feed(engine, feed.id, account_id=ours)
    assert caught.value.code == "not_found"
    with pytest.raises(FeedNotFound):
        feed_store.remove_feed(engine, feed.id, account_id=ours)
    assert feed_store.list_feeds(engine, account_id=ours) == []
    assert feed_store.get_feed(engine, feed.id, account_id=theirs).active
    # The same URL may be watched by two accounts, each its own feed.
    mine = feed_store.add_feed(engine, "https://feeds.example.com/theirs.xml", account_id=ours)
    assert mine.id != feed.id and mine.account_id == ours


def test_webhook_and_feed_caps_per_account(engine: Engine, two: tuple[str, str]) -> None:
    ours, theirs = two
    for _ in range(2):
        registry.create_webhook(
            engine,
            url=HOOK,
            events=["job.created"],
            environment="live",
            account_id=ours,
            max_webhooks=2,
        )
    with pytest.raises(LimitReached) as caught:
        registry.create_webhook(
            engine,
            url=HOOK,
            events=["job.created"],
            environment="test",
            account_id=ours,
            max_webhooks=2,
        )
    assert caught.value.code == "webhook_limit_reached"
    # Another account's budget is its own.
    registry.create_webhook(
        engine, url=HOOK, events=["job.created"], environment="live", account_id=theirs,
        max_webhooks=2,
    )  # fmt: skip
    for i in range(2):
        feed_store.add_feed(engine, f"https://f.example.com/{i}.xml", account_id=ours, max_feeds=2)
    with pytest.raises(LimitReached) as caught:
        feed_store.add_feed(engine, "https://f.example.com/9.xml", account_id=ours, max_feeds=2)
    assert caught.value.code == "feed_limit_reached"


def test_the_job_budget_refuses_live_jobs_past_the_accounts_cap(
    engine: Engine, two: tuple[str, str]
) -> None:
    ours, theirs = two
    for _ in range(3):
        ops.create_job(
            engine, source_type="audio_url", source_url="https://e.com/a.mp3", account_id=ours,
            max_active=3,
        )  # fmt: skip
    with pytest.raises(LimitReached) as caught:
        ops.create_job(
            engine, source_type="audio_url", source_url="https://e.com/a.mp3", account_id=ours,
            max_active=3,
        )  # fmt: skip
    assert caught.value.code == "too_many_active_jobs"
    ops.create_job(  # their budget is untouched by ours
        engine, source_type="audio_url", source_url="https://e.com/a.mp3", account_id=theirs,
        max_active=3,
    )  # fmt: skip
    assert accounts.count_active_jobs(engine, ours) == 3


def test_webhook_secrets_are_encrypted_at_rest(engine: Engine, two: tuple[str, str]) -> None:
    ours, _ = two
    hook = registry.create_webhook(
        engine, url=HOOK, events=["job.created"], environment="live", account_id=ours
    )
    assert hook.secret.startswith("whsec_")
    with engine.connect() as conn:
        raw = conn.execute(
            text("SELECT secret FROM webhooks WHERE id = :id"), {"id": hook.id}
        ).scalar_one()
    assert raw.startswith(sealing.PREFIX) and hook.secret not in raw
    _job(engine, ours)
    (delivery,) = deliveries.list_deliveries(engine, hook.id, environment="live", account_id=ours)
    # The deliverer gets the secret back to sign with.
    assert deliveries.outbound(engine, Claim(delivery.id, 1, "t")).secret == hook.secret
    key_file = sealing.key_file(get_settings())
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_the_migration_encrypts_secrets_stored_in_plain_text(
    engine: Engine, two: tuple[str, str]
) -> None:
    ours, _ = two
    hook = registry.create_webhook(
        engine, url=HOOK, events=["job.created"], environment="live", account_id=ours
    )
    plain = "whsec_" + "A" * 32
    with engine.begin() as conn:  # as a database from before migration 100 holds it
        conn.execute(
            text("UPDATE webhooks SET secret = :s WHERE id = :id"), {"s": plain, "id": hook.id}
        )
        assert sealing.encrypt_plain_webhook_secrets(conn) == 1
        raw = conn.execute(
            text("SELECT secret FROM webhooks WHERE id = :id"), {"id": hook.id}
        ).scalar_one()
    assert raw.startswith(sealing.PREFIX) and plain not in raw
    assert sealing.secret_box().open(raw) == plain
