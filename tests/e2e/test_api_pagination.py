"""GET /v1/jobs: newest first, limit, starting_after, has_more."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network


def test_pages_walk_every_job_newest_first(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("live")
    mine = []
    for n in range(7):
        body = {"source_url": f"https://127.0.0.1:9/page-{n}.mp3"}
        response = client.post("/v1/jobs", json=body, headers=headers)
        assert response.status_code == 202, response.text
        mine.append(response.json()["id"])

    first = client.get("/v1/jobs", params={"limit": 3}, headers=headers).json()
    assert first["object"] == "list" and first["has_more"] is True
    assert [j["id"] for j in first["data"]] == mine[::-1][:3]

    seen: list[str] = []
    cursor = None
    for _ in range(50):
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["starting_after"] = cursor
        page = client.get("/api/v1/jobs", params=params, headers=headers).json()
        assert len(page["data"]) <= 3
        seen += [j["id"] for j in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    else:
        raise AssertionError("pagination did not end")
    assert len(seen) == len(set(seen))
    created = [j for j in seen if j in mine]
    assert created == mine[::-1]
    assert all(s.startswith("job_") for s in seen)

    # Live jobs wait for the pipeline's drainer: queued, no output yet.
    job = client.get(f"/v1/jobs/{mine[0]}", headers=headers).json()
    assert (job["status"], job["output"], job["environment"]) == ("queued", None, "live")
    default = client.get("/v1/jobs", headers=headers).json()
    assert len(default["data"]) == min(20, len(seen))


def test_limit_bounds_and_unknown_cursor(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("live")
    for limit in (0, 101, -1):
        response = client.get("/v1/jobs", params={"limit": limit}, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "limit"
    assert client.get("/v1/jobs", params={"limit": 100}, headers=headers).status_code == 200
    response = client.get("/v1/jobs", params={"starting_after": "job_missing"}, headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "starting_after"
