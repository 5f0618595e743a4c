"""Idempotency keys for job submission: claim first, then create the job, in the database.

A request with an ``Idempotency-Key`` first *claims* ``(api_key_id, key)`` by inserting a row
under a real unique constraint. Exactly one of any number of concurrent requests (in any number
of processes) wins the insert; it creates the job and marks the claim ``done`` in the same
transaction as the job's insert. The others find the row and are told, by its state and the
hash of the body it was made with, to replay, to wait (still in flight) or that the key was
used for a different body. Claims expire after a TTL (24 hours by default); an in-flight claim
left by a crashed process is taken over after ``stale_seconds``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from podclip.store import ops
from podclip.store.ops import as_utc, utcnow
from podclip.store.schema import idempotency_keys

Outcome = Literal["claimed", "replay", "in_flight", "mismatch"]


@dataclass(frozen=True)
class Claim:
    """One idempotency row."""

    id: int
    api_key_id: str
    key: str
    request_hash: str
    state: str
    job_id: str | None
    response_status: int | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ClaimResult:
    """What a claim attempt found: ``claimed`` means this request owns the key now."""

    outcome: Outcome
    claim: Claim


def request_hash(body: Mapping[str, Any]) -> str:
    """sha256 of the body as canonical JSON (key order and spacing do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    write_engine: Engine,
    *,
    api_key_id: str,
    environment: str,
    key: str,
    body_hash: str,
    ttl_seconds: float,
    stale_seconds: float = 60.0,
) -> ClaimResult:
    """Try to own ``key`` for this API key; report what the key's row says if someone else does."""
    now = utcnow()
    same = (idempotency_keys.c.api_key_id == api_key_id) & (idempotency_keys.c.key == key)
    try:
        with write_engine.begin() as conn:
            # Expired claims, and in-flight claims whose process died, free their key.
            conn.execute(
                delete(idempotency_keys).where(
                    same
                    & (
                        (idempotency_keys.c.expires_at <= now)
                        | (
                            (idempotency_keys.c.state == "in_flight")
                            & (
                                idempotency_keys.c.created_at
                                <= now - timedelta(seconds=stale_seconds)
                            )
                        )
                    )
                )
            )
            conn.execute(
                insert(idempotency_keys).values(
                    api_key_id=api_key_id,
                    environment=environment,
                    key=key,
                    request_hash=body_hash,
                    state="in_flight",
                    created_at=now,
                    expires_at=now + timedelta(seconds=ttl_seconds),
                )
            )
            row = conn.execute(select(idempotency_keys).where(same)).mappings().one()
        return ClaimResult("claimed", _claim_from_row(row))
    except IntegrityError:
        pass
    with write_engine.connect() as conn:
        row = conn.execute(select(idempotency_keys).where(same)).mappings().one()
    found = _claim_from_row(row)
    if found.request_hash != body_hash:
        return ClaimResult("mismatch", found)
    if found.state != "done":
        return ClaimResult("in_flight", found)
    return ClaimResult("replay", found)


def complete_with_job(engine: Engine, claim_id: int, *, response_status: int, **job: Any) -> str:
    """Insert the job (``store.ops.insert_job`` arguments) and mark the claim done, atomically."""
    with engine.begin() as conn:
        job_id = ops.insert_job(conn, **job)
        conn.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.id == claim_id)
            .values(state="done", job_id=job_id, response_status=response_status)
        )
    return job_id


def release(engine: Engine, claim_id: int) -> None:
    """Give up an in-flight claim (its request failed), so the key can be used again."""
    with engine.begin() as conn:
        conn.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.id == claim_id, idempotency_keys.c.state == "in_flight"
            )
        )


def _claim_from_row(row: Any) -> Claim:
    return Claim(
        id=row["id"],
        api_key_id=row["api_key_id"],
        key=row["key"],
        request_hash=row["request_hash"],
        state=row["state"],
        job_id=row["job_id"],
        response_status=row["response_status"],
        created_at=as_utc(row["created_at"]),
        expires_at=as_utc(row["expires_at"]),
    )
