"""``podclip studio``, ``podclip review`` and ``podclip clip-create``: the producer studio.

``podclip studio`` opens ``/studio`` in a browser; ``--print-link`` prints a one-time login
link instead (made in the local database: run it where the API's data root is). ``review`` and
``clip-create`` call the review API through the SDK, like ``podclip submit``.
"""

from __future__ import annotations

import webbrowser
from typing import Annotated

import typer

from podclip.cli.common import console, err_console, open_database
from podclip.cli.remote import ApiKey, ApiUrl, _client
from podclip.core.settings import get_settings


def register(app: typer.Typer) -> None:
    """Add the studio commands to the ``podclip`` app."""
    app.command("studio")(studio)
    app.command("review")(review)
    app.command("clip-create")(clip_create)


def _base(url: str | None) -> str:
    from podclip.store.links import default_base_url

    return (url or default_base_url(get_settings())).rstrip("/")


def studio(
    print_link: Annotated[
        bool, typer.Option("--print-link", help="Print a one-time login link; open nothing.")
    ] = False,
    key_id: Annotated[
        str | None,
        typer.Option("--key-id", help="Log in as this key (key_…); default: a new studio key."),
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Account name of a new studio key.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="The API's address (default: its settings).")
    ] = None,
) -> None:
    """Open the producer studio, or print a one-time login link to it."""
    base = _base(url)
    if not print_link:
        console.print(f"Opening {base}/studio (log in with an API key)")
        webbrowser.open(f"{base}/studio")
        return
    from podclip.store import accounts, api_keys, studio_logins
    from podclip.store.schema import DEFAULT_ACCOUNT_ID

    settings = get_settings()
    engine = open_database(settings)
    if key_id is None:
        owner = accounts.account_by_name(engine, account).id if account else DEFAULT_ACCOUNT_ID
        key, _ = api_keys.create_key(engine, environment="live", name="studio", account_id=owner)
        key_id = key.id
        err_console.print(f"Made studio key {key.id} (revoke with `podclip keys revoke`).")
    else:
        api_keys.get_key(engine, key_id)
    ttl = settings.studio.login_link_minutes * 60
    token = studio_logins.create(engine, key_id, ttl_seconds=ttl)
    err_console.print(f"One use, valid {settings.studio.login_link_minutes:g} minutes:")
    print(f"{base}/studio/login/{token}")


def review(
    clip_id: Annotated[str, typer.Argument(help="The clip id (clip_…).")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve the clip.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject the clip.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (optional).")] = None,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Approve or reject a clip through the API."""
    if approve == reject:
        err_console.print("Give exactly one of --approve or --reject.")
        raise typer.Exit(2)
    with _client(api_url, api_key) as client:
        clip = client.review_clip(clip_id, "approve" if approve else "reject", reason=reason)
    console.print(f"{clip.id}: {clip.review_status}")


def clip_create(
    job_id: Annotated[str, typer.Argument(help="The job id (job_…).")],
    start: Annotated[float, typer.Argument(help="Start, seconds into the episode.")],
    end: Annotated[float, typer.Argument(help="End, seconds into the episode.")],
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Make a clip from a passage (snapped to words); re-render the job to render it."""
    with _client(api_url, api_key) as client:
        clip = client.create_clip(job_id, start, end)
    console.print(f"{clip.id}: {clip.start:.2f}-{clip.end:.2f} s ({clip.render_status})")
