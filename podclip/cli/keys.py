"""``podclip keys``: create, list and revoke API keys for the job API.

A new key is printed once, alone on the last line of output (scripts can take ``tail -n 1``);
only its hash is stored.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from podclip.cli.common import console, err_console, open_database
from podclip.core.errors import PodclipError
from podclip.core.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

keys_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Create, list and revoke API keys for the job API.",
)


class Environment(StrEnum):
    live = "live"
    test = "test"


def _engine() -> Engine:
    return open_database(get_settings())


@keys_app.command("create")
def create(
    env: Annotated[
        Environment, typer.Option("--env", help="live runs the pipeline; test is the sandbox.")
    ],
    scopes: Annotated[
        list[str] | None,
        typer.Option(
            "--scopes",
            "--scope",
            help="Scopes, repeated or comma-separated (default: all): jobs:create, jobs:read, "
            "clips:read, exports:create, account:read, webhooks:*.",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A label for the key.")] = None,
    account: Annotated[
        str,
        typer.Option(
            "--account", help="The account (name) that owns the key and everything made with it."
        ),
    ] = "default",
) -> None:
    """Create a key and print it once (the last line of output is the key alone)."""
    from podclip.store import accounts, api_keys

    engine = _engine()
    try:
        owner = accounts.account_by_name(engine, account)
        key, plaintext = api_keys.create_key(
            engine, environment=env.value, scopes=scopes, name=name, account_id=owner.id
        )
    except PodclipError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(code=2) from None
    console.print(
        f"created {key.environment} key [bold]{key.id}[/] ({key.name or 'unnamed'}) "
        f"of account {owner.name} with scopes {', '.join(key.scopes)}"
    )
    console.print("store it now: it is shown only once")
    # Plain print: no wrapping or markup, so the key is exactly the last line.
    print(plaintext)


@keys_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List keys (id, name, environment, prefix, scopes, created, last used, revoked)."""
    from podclip.store import api_keys

    keys = api_keys.list_keys(_engine())
    if as_json:
        rows = [
            {
                "id": k.id,
                "name": k.name,
                "environment": k.environment,
                "account_id": k.account_id,
                "prefix": k.prefix,
                "scopes": list(k.scopes),
                "created_at": k.created_at.isoformat(),
                "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in keys
        ]
        print(json.dumps(rows, indent=2))
        return
    table = Table("id", "name", "env", "prefix", "scopes", "created", "last used", "revoked")
    table.columns[0].no_wrap = True
    for key in keys:
        table.add_row(
            key.id,
            key.name or "",
            key.environment,
            f"{key.prefix}…",
            " ".join(key.scopes),
            key.created_at.strftime("%Y-%m-%d %H:%M"),
            key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "",
            key.revoked_at.strftime("%Y-%m-%d %H:%M") if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (key_…).")]) -> None:
    """Revoke a key: requests with it get 401 api_key_revoked from now on."""
    from podclip.store import api_keys

    try:
        key = api_keys.revoke_key(_engine(), key_id)
    except PodclipError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(code=1) from None
    console.print(f"revoked {key.id} ({key.name or 'unnamed'})")
