"""The account behind a key: profile, credits (unlimited when self-hosted), minutes processed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from podclip.api.deps import AccountRead, StoresDep
from podclip.api.routes import ERROR_RESPONSES
from podclip.api.schemas import Account
from podclip.store import ops

router = APIRouter(tags=["account"], responses=ERROR_RESPONSES)


@router.get("/account", response_model=Account, summary="Get the account")
def get_account(key: AccountRead, stores: StoresDep) -> dict[str, Any]:
    """``minutes_used`` sums the source minutes of complete live jobs; sandbox keys never bill,
    so theirs is 0. A self-hosted podclip has no credit balance: ``credits.unlimited`` is true."""
    live = key.environment == "live"
    minutes = ops.minutes_processed(stores.engine, environment="live") if live else 0.0
    return {
        "object": "account",
        "id": "acct_local",
        "name": "podclip (self-hosted)",
        "environment": key.environment,
        "livemode": live,
        "api_key": {
            "id": key.id,
            "name": key.name,
            "prefix": key.prefix,
            "environment": key.environment,
            "scopes": list(key.scopes),
            "created_at": key.created_at.replace(microsecond=0),
            "last_used_at": key.last_used_at.replace(microsecond=0) if key.last_used_at else None,
        },
        "credits": {"unlimited": True, "remaining": None},
        "credit_balance": None,
        "minutes_used": round(minutes, 2),
        "jobs_total": ops.count_jobs(stores.engine, environment=key.environment),
    }
