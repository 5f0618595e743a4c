"""PUT/GET /v1/shows/{name}/brand over real HTTP: both prefixes, validation, account scoping."""

from __future__ import annotations

import base64
import io
import uuid

import httpx
import pytest

from podclip.core.fonts import DEFAULT_FONT, available_fonts
from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network


def _png(colour: tuple[int, int, int] = (200, 30, 30), side: int = 64) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _other_account(server: ApiServer) -> dict[str, str]:
    name = f"brandco{uuid.uuid4().hex[:8]}"
    server.cli("accounts", "create", name)
    out = server.cli("keys", "create", "--env", "live", "--account", name)
    return {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}


def test_put_and_get_on_both_prefixes(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("live")
    # A family other than the default, from those installed here (the server shares the machine).
    others = [f for f in available_fonts() if f != DEFAULT_FONT]
    assert others, "only the default font is installed (.ci/run installs fonts-liberation)"
    font = others[0]
    show = f"The Long Game {uuid.uuid4().hex[:6]}"
    body = {
        "primary_colour": "#ff2828",
        "secondary_colour": "#102040",
        "font": font,
        "caption_style": "boxed",
        "logo_base64": _png(),
    }
    put = client.put(f"/v1/shows/{show}/brand", json=body, headers=headers)
    assert put.status_code == 200, put.text
    brand = put.json()
    assert brand["object"] == "brand" and brand["primary_colour"] == "#FF2828"
    assert brand["font"] == font and brand["caption_style"] == "boxed"
    assert len(brand["logo_sha256"]) == 64
    assert "DejaVu Sans" in brand["fonts"]

    got = client.get(f"/api/v1/shows/{show}/brand", headers=headers)
    assert got.status_code == 200 and got.json() == brand
    # A PUT without a logo keeps the stored one; remove_logo drops it.
    kept = client.put(
        f"/api/v1/shows/{show}/brand", json={"primary_colour": "#00FF00"}, headers=headers
    ).json()
    assert kept["logo_sha256"] == brand["logo_sha256"] and kept["caption_style"] is None
    removed = client.put(
        f"/v1/shows/{show}/brand", json={"remove_logo": True}, headers=headers
    ).json()
    assert removed["logo_sha256"] is None


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"primary_colour": "red"}, "primary_colour"),
        ({"secondary_colour": "#12345"}, "secondary_colour"),
        ({"font": "Comic Sans MS"}, "font"),
        ({"caption_style": "neon"}, "caption_style"),
        ({"logo_base64": "not base64!"}, "logo_base64"),
        ({"logo_base64": base64.b64encode(b"<svg></svg>").decode()}, "logo_base64"),
    ],
)
def test_bad_brands_use_the_envelope(
    api_server: ApiServer, client: httpx.Client, body: dict[str, str], param: str
) -> None:
    for prefix in ("/v1", "/api/v1"):
        bad = client.put(
            f"{prefix}/shows/Show/brand", json=body, headers=api_server.headers("live")
        )
        assert bad.status_code == 400, bad.text
        error = bad.json()["error"]
        assert error["param"] == param and error["type"] == "invalid_request_error"


def test_other_accounts_never_see_a_brand(api_server: ApiServer, client: httpx.Client) -> None:
    show = f"Secret Show {uuid.uuid4().hex[:6]}"
    mine = client.put(
        f"/v1/shows/{show}/brand",
        json={"primary_colour": "#123456"},
        headers=api_server.headers("live"),
    )
    assert mine.status_code == 200
    other = _other_account(api_server)
    for prefix in ("/v1", "/api/v1"):
        seen = client.get(f"{prefix}/shows/{show}/brand", headers=other)
        assert seen.status_code == 404 and seen.json()["error"]["code"] == "not_found"
    # Their own kit for the same show name is theirs alone.
    client.put(f"/v1/shows/{show}/brand", json={"primary_colour": "#654321"}, headers=other)
    again = client.get(f"/v1/shows/{show}/brand", headers=api_server.headers("live")).json()
    assert again["primary_colour"] == "#123456"
    # Reading needs a key; writing needs jobs:create.
    assert client.get(f"/v1/shows/{show}/brand").status_code == 401
    reader = api_server.create_key("live", "jobs:read")
    refused = client.put(
        f"/v1/shows/{show}/brand", json={}, headers={"Authorization": f"Bearer {reader}"}
    )
    assert refused.status_code == 403
