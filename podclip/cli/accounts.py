"""``podclip accounts``: the tenants that own keys, jobs, webhooks, feeds and share links.

A single-user install needs none of this: its one account, ``default``, exists from the start
and every key belongs to it unless ``podclip keys create --account NAME`` says otherwise.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from podclip.cli.common import console, err_console, open_database
from podclip.core.errors import PodclipError
from podclip.core.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

accounts_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Create and list accounts (tenants); each key belongs to one.",
)


def _engine() -> Engine:
    return open_database(get_settings())


@accounts_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A short lowercase handle (letters, digits, - _).")],
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="The profile's name.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="A contact address.")] = None,
) -> None:
    """Create an account; make its keys with ``podclip keys create --account NAME``."""
    from podclip.store import accounts

    try:
        account = accounts.create_account(_engine(), name, display_name=display_name, email=email)
    except PodclipError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(code=2) from None
    console.print(f"created account [bold]{account.name}[/] ({account.id})")


@accounts_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List accounts (id, name, display name, keys, created)."""
    from podclip.store import accounts, api_keys

    engine = _engine()
    rows = accounts.list_accounts(engine)
    keys = {a.id: len(api_keys.list_keys(engine, account_id=a.id)) for a in rows}
    if as_json:
        data = [
            {
                "id": a.id,
                "name": a.name,
                "display_name": a.display_name,
                "email": a.email,
                "keys": keys[a.id],
                "created_at": a.created_at.isoformat(),
            }
            for a in rows
        ]
        print(json.dumps(data, indent=2))
        return
    table = Table("id", "name", "display name", "keys", "created")
    for a in rows:
        table.add_row(
            a.id, a.name, a.display_name or "", str(keys[a.id]), a.created_at.strftime("%Y-%m-%d")
        )
    console.print(table)
