"""The account behind a key: profile, credits (unlimited when self-hosted), minutes processed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from podclip.api.deps import AccountRead, StoresDep
from podclip.api.routes import ERROR_RESPONSES
from podclip.api.schemas import Account
from podclip.store import accounts, ops

router = APIRouter(tags=["account"], responses=ERROR_RESPONSES)


@router.get("/account", response_model=Account, summary="Get the account")
def get_account(key: AccountRead, stores: StoresDep) -> dict[str, Any]:
    """The key's account: its profile, credits and usage (that account's jobs only).

    ``minutes_used`` sums the source minutes of the account's complete live jobs; sandbox keys
    never bill, so theirs is 0. Credits are unlimited unless the account has a balance
    (``credit_minutes``); a self-hosted podclip has none."""
    live = key.environment == "live"
    profile = accounts.get_account(stores.engine, key.account_id)
    minutes = (
        ops.minutes_processed(stores.engine, environment="live", account_id=profile.id)
        if live
        else 0.0
    )
    balance = profile.credit_minutes
    return {
        "object": "account",
        "id": profile.id,
        "name": profile.display_name or profile.name,
        "display_name": profile.display_name,
        "email": profile.email,
        "created_at": profile.created_at.replace(microsecond=0),
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
        "credits": {"unlimited": balance is None, "remaining": balance},
        "credit_balance": balance,
        "minutes_used": round(minutes, 2),
        "jobs_total": ops.count_jobs(
            stores.engine, environment=key.environment, account_id=profile.id
        ),
    }
