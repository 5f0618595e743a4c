"""The API's store modules on a real SQLite database: keys, rate windows, idempotency claims,
sandbox transitions, environment filters, migrations from two processes at once."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from podclip.api.main import create_app
from podclip.core.settings import Settings
from podclip.store import api_keys, idempotency, ops, ratelimit, sandbox
from podclip.store.migrate import head, migrate
from podclip.store.schema import idempotency_keys, jobs, schema_migrations

pytestmark = pytest.mark.both_databases  # the store: SQLite and PostgreSQL


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    # database_url: each test runs on SQLite and on PostgreSQL (tests/conftest.py).
    return Settings(data_root=tmp_path / "data", database_url=database_url)


@pytest.fixture
def engine(settings: Settings) -> Engine:
    settings.root.mkdir(parents=True, exist_ok=True)
    migrate(settings.resolved_database_url)
    return ops.engine_for(settings.resolved_database_url)


@pytest.fixture
def write_engine(settings: Settings, engine: Engine) -> Engine:
    return ops.write_engine_for(settings.resolved_database_url)


def test_keys_are_stored_hashed_and_revocable(engine: Engine) -> None:
    key, plaintext = api_keys.create_key(engine, environment="live", scopes=["jobs:read"])
    assert plaintext.startswith("clk_live_") and len(plaintext) == len("clk_live_") + 32
    secret = plaintext.removeprefix("clk_live_")
    with engine.connect() as conn:
        stored = conn.execute(select(api_keys.api_keys)).mappings().one()
    assert secret not in str(dict(stored)) and stored["hash"] == api_keys.hash_secret(secret)
    found = api_keys.find_key(engine, secret)
    assert found is not None and found.id == key.id and found.scopes == ("jobs:read",)
    assert api_keys.revoke_key(engine, key.id).revoked


def test_rate_window_slides(engine: Engine, write_engine: Engine) -> None:
    key, _ = api_keys.create_key(engine, environment="test")

    def hit(now: float) -> ratelimit.RateDecision:
        return ratelimit.hit(
            write_engine, api_key_id=key.id, bucket="write", limit=3, window_seconds=10, now=now
        )

    assert [hit(t).allowed for t in (100, 101, 102, 103)] == [True, True, True, False]
    refused = hit(105)
    assert (refused.remaining, refused.retry_after, refused.reset_at) == (0, 5, 110)
    assert hit(110.5).allowed  # the hit at 100 left the window
    assert not hit(110.6).allowed
    assert hit(200).remaining == 2
    assert api_keys.get_key(engine, key.id).last_used_at is not None


def test_idempotency_claims(engine: Engine, write_engine: Engine) -> None:
    key, _ = api_keys.create_key(engine, environment="test")

    def claim(body_hash: str, ttl: float = 3600) -> idempotency.ClaimResult:
        return idempotency.claim(
            write_engine,
            api_key_id=key.id,
            environment="test",
            key="k-12345678",
            body_hash=body_hash,
            ttl_seconds=ttl,
        )

    first = claim("a")
    assert first.outcome == "claimed"
    assert claim("a").outcome == "in_flight"
    assert claim("b").outcome == "mismatch"
    job_id = idempotency.complete_with_job(
        engine,
        first.claim.id,
        response_status=202,
        source_type="audio_url",
        source_url="https://e.com/a.mp3",
        environment="test",
    )
    replay = claim("a")
    assert (replay.outcome, replay.claim.job_id) == ("replay", job_id)
    # An expired claim frees its key.
    with engine.begin() as conn:
        conn.execute(update(idempotency_keys).values(expires_at=ops.utcnow() - timedelta(1)))
    assert claim("b").outcome == "claimed"


def test_stale_in_flight_claim_is_taken_over(engine: Engine, write_engine: Engine) -> None:
    key, _ = api_keys.create_key(engine, environment="live")
    args = {"api_key_id": key.id, "environment": "live", "key": "stale-key", "ttl_seconds": 60}
    first = idempotency.claim(write_engine, body_hash="a", **args)  # type: ignore[arg-type]
    with engine.begin() as conn:
        conn.execute(
            update(idempotency_keys).values(created_at=ops.utcnow() - timedelta(minutes=5))
        )
    again = idempotency.claim(write_engine, body_hash="a", stale_seconds=60, **args)  # type: ignore[arg-type]
    assert again.outcome == "claimed"
    assert again.claim.created_at > first.claim.created_at


def test_sandbox_advances_once_per_step(engine: Engine) -> None:
    job = ops.create_job(
        engine, source_type="audio_url", source_url="https://e.com/a.mp3", environment="test"
    )
    start = job.created_at
    step = 2.0
    at = [start + timedelta(seconds=s) for s in (1, 2.5, 2.6, 4.1, 30)]
    statuses = [sandbox.advance(engine, ops.get_job(engine, job.id), step_seconds=step, now=t)
                .status for t in at]  # fmt: skip
    assert statuses == ["queued", "transcribing", "transcribing", "clipping", "complete"]
    events = [e["status"] for e in ops.job_events_for(engine, job.id)]
    assert events == ["queued", "transcribing", "clipping", "complete"]
    done = ops.get_job(engine, job.id)
    assert done.clip_count == 3 and done.completed_at is not None
    # A second reader that saw the job earlier cannot move it again.
    assert not ops.set_status(engine, job.id, "clipping", expected="transcribing")


def test_live_jobs_are_never_advanced_and_drainers_see_only_live(engine: Engine) -> None:
    live = ops.create_job(engine, source_type="audio_url", source_url="https://e.com/l.mp3")
    test = ops.create_job(
        engine, source_type="audio_url", source_url="https://e.com/t.mp3", environment="test"
    )
    far = live.created_at + timedelta(hours=1)
    assert sandbox.advance(engine, live, step_seconds=1, now=far).status == "queued"
    assert [j.id for j in ops.queued_jobs(engine)] == [live.id]
    assert [j.id for j in ops.list_jobs(engine, environment="test")] == [test.id]
    with pytest.raises(ops.JobNotFound):
        ops.list_jobs(engine, environment="live", starting_after=test.id)
    assert ops.count_jobs(engine, environment="live") == 1


def test_two_processes_migrate_one_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = f"from podclip.store.migrate import migrate; migrate({url!r}); print('ok')"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    assert all(p.communicate(timeout=60)[0].strip() == "ok" for p in procs)
    with ops.engine_for(url).connect() as conn:
        versions = conn.execute(select(schema_migrations.c.version)).scalars().all()
        # Each migration applied exactly once.
        assert sorted(versions) == versions and versions[-1] == head()
        assert len(versions) == len(set(versions))
        assert conn.execute(select(func.count()).select_from(jobs)).scalar_one() == 0


def test_private_source_refused_when_not_allowed(settings: Settings, engine: Engine) -> None:
    _, live_key = api_keys.create_key(engine, environment="live")
    headers = {"Authorization": f"Bearer {live_key}"}
    with TestClient(create_app(settings)) as client:
        for url in ("http://0x7f000001/a.mp3", "http://[::1]/a.mp3", "http://localhost:9/a.mp3"):
            response = client.post("/v1/jobs", json={"source_url": url}, headers=headers)
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "invalid_source_url"
        body = {"source": {"type": "audio_url", "url": "http://127.0.0.1/a.mp3"}}
        response = client.post("/api/v1/jobs", json=body, headers=headers)
        assert response.json()["error"]["param"] == "source.url"
    assert ops.count_jobs(engine) == 0
