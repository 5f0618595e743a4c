"""POST/GET/DELETE /v1/feeds over real HTTP, with scopes and environments enforced."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network


def test_register_list_get_delete(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("live")
    created = client.post(
        "/v1/feeds",
        json={"url": "https://127.0.0.1:9/feed.xml", "show_name": "Show", "backfill": 2},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    assert feed["object"] == "feed" and feed["backfill"] == 2 and feed["show_name"] == "Show"
    assert feed["last_polled_at"] is None and feed["last_error"] is None

    again = client.post("/api/v1/feeds", json={"url": feed["url"]}, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "feed_already_exists"

    listed = client.get("/v1/feeds", headers=headers).json()
    assert feed["id"] in [f["id"] for f in listed["data"]]
    assert client.get(f"/v1/feeds/{feed['id']}", headers=headers).json()["url"] == feed["url"]
    # Sandbox keys live in another environment and never see live feeds.
    sandbox = client.get(f"/v1/feeds/{feed['id']}", headers=api_server.headers("test"))
    assert sandbox.status_code == 404 and sandbox.json()["error"]["code"] == "not_found"

    deleted = client.delete(f"/v1/feeds/{feed['id']}", headers=headers)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert client.get(f"/v1/feeds/{feed['id']}", headers=headers).status_code == 404


def test_bad_feed_requests_use_the_envelope(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("live")
    bad_url = client.post("/v1/feeds", json={"url": "ftp://x/feed.xml"}, headers=headers)
    assert bad_url.status_code == 400
    assert bad_url.json()["error"]["code"] == "invalid_source_url"
    assert bad_url.json()["error"]["param"] == "url"
    negative = client.post(
        "/v1/feeds", json={"url": "https://a.b/f", "backfill": -1}, headers=headers
    )
    assert negative.status_code == 400 and negative.json()["error"]["param"] == "backfill"


def test_feed_routes_need_their_scopes(api_server: ApiServer, client: httpx.Client) -> None:
    reader = api_server.create_key("live", "jobs:read")
    auth = {"Authorization": f"Bearer {reader}"}
    assert client.get("/v1/feeds", headers=auth).status_code == 200
    refused = client.post("/v1/feeds", json={"url": "https://a.b/f"}, headers=auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
