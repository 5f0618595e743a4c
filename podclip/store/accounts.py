"""Accounts (tenants): who owns keys, jobs, webhooks, feeds and share links.

A single-user install has one, ``default`` (``acct_default``, made by migration 80), and never
needs to know about it. More are made with ``podclip accounts create NAME``; keys then belong to
one (``podclip keys create --account NAME``) and a request sees only its key's account's data.
Accounts are never deleted (their rows carry ``account_id`` without a foreign key).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from podclip.core.errors import AccountExists, AccountNotFound, InvalidAccountName
from podclip.store.job_record import as_utc, utcnow
from podclip.store.schema import DEFAULT_ACCOUNT_ID, accounts, jobs

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ACTIVE_STATUSES = ("queued", "downloading", "transcribing", "clipping", "rendering")


@dataclass(frozen=True)
class Account:
    """One tenant; ``credit_minutes`` None means unlimited (self-hosted)."""

    id: str
    name: str
    display_name: str | None
    email: str | None
    credit_minutes: float | None
    created_at: datetime


def create_account(
    engine: Engine, name: str, *, display_name: str | None = None, email: str | None = None
) -> Account:
    """Make an account; :class:`AccountExists` if the name is taken."""
    if not NAME_PATTERN.match(name):
        raise InvalidAccountName(
            f"Account names are 1-63 lowercase letters, digits, '-' or '_', not {name!r}."
        )
    account_id = f"acct_{secrets.token_hex(8)}"
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(accounts).values(
                    id=account_id,
                    name=name,
                    display_name=display_name,
                    email=email,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        raise AccountExists(f"An account named {name!r} exists already.") from None
    return get_account(engine, account_id)


def get_account(engine: Engine, account_id: str) -> Account:
    """One account by id, or :class:`AccountNotFound`."""
    return _one(engine, accounts.c.id == account_id, account_id)


def account_by_name(engine: Engine, name: str) -> Account:
    """One account by name, or :class:`AccountNotFound`."""
    return _one(engine, accounts.c.name == name, name)


def list_accounts(engine: Engine) -> list[Account]:
    """Every account, oldest first (the default account first)."""
    query = select(accounts).order_by(
        (accounts.c.id != DEFAULT_ACCOUNT_ID), accounts.c.created_at, accounts.c.id
    )
    with engine.connect() as conn:
        return [_account(r) for r in conn.execute(query).mappings()]


def count_active_jobs(engine: Engine, account_id: str, *, environment: str = "live") -> int:
    """The account's jobs of ``environment`` that are queued or running: its budget in use."""
    query = (
        select(func.count())
        .select_from(jobs)
        .where(
            jobs.c.account_id == account_id,
            jobs.c.environment == environment,
            jobs.c.status.in_(ACTIVE_STATUSES),
        )
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _one(engine: Engine, condition: Any, what: str) -> Account:
    with engine.connect() as conn:
        row = conn.execute(select(accounts).where(condition)).mappings().first()
    if row is None:
        raise AccountNotFound(f"No account {what!r}.")
    return _account(row)


def _account(row: Any) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        display_name=row["display_name"],
        email=row["email"],
        credit_minutes=row["credit_minutes"],
        created_at=as_utc(row["created_at"]),
    )
