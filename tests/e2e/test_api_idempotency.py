"""Idempotency-Key on POST /v1/jobs, across two API worker processes."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from podclip.store.idempotency import request_hash
from tests.e2e.helpers import ApiServer

pytestmark = pytest.mark.network
CONCURRENT = 50


def _body() -> dict[str, object]:
    return {"source": {"type": "audio_url", "url": f"https://example.com/{uuid.uuid4().hex}.mp3"}}


def _jobs_with_url(server: ApiServer, url: str) -> int:
    with server.db() as db:
        (count,) = db.execute("SELECT count(*) FROM jobs WHERE source_url = ?", (url,)).fetchone()
    return int(count)


def test_concurrent_identical_submissions_make_one_job(api_server: ApiServer) -> None:
    body = _body()
    headers = api_server.headers("test", **{"Idempotency-Key": f"idem-{uuid.uuid4()}"})
    barrier = threading.Barrier(CONCURRENT)
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    with httpx.Client(base_url=api_server.base_url, timeout=60, limits=limits) as http:

        def submit(_: int) -> httpx.Response:
            barrier.wait(timeout=30)
            return http.post("/v1/jobs", json=body, headers=headers)

        with ThreadPoolExecutor(CONCURRENT) as pool:
            responses = list(pool.map(submit, range(CONCURRENT)))

        # Every twin waits for the first request and gets the original job (003: "Same key +
        # same body → returns the original job (with the same id)"), never a 409.
        assert [r.status_code for r in responses] == [202] * CONCURRENT, [
            r.text for r in responses if r.status_code != 202
        ]
        assert len({r.json()["id"] for r in responses}) == 1
        assert sum(r.headers.get("idempotent-replayed") != "true" for r in responses) == 1
        job_id = responses[0].json()["id"]

        # Retrying settles on the same job; exactly one exists, in the API and in the DB.
        again = http.post("/v1/jobs", json=body, headers=headers)
        assert again.status_code == 202 and again.json()["id"] == job_id
        assert again.headers["idempotent-replayed"] == "true"
        listed = http.get("/v1/jobs?limit=100", headers=api_server.headers("test")).json()
        assert [j["id"] for j in listed["data"]].count(job_id) == 1
    assert _jobs_with_url(api_server, body["source"]["url"]) == 1  # type: ignore[index]


def test_different_body_same_key_is_refused(api_server: ApiServer, client: httpx.Client) -> None:
    headers = api_server.headers("test", **{"Idempotency-Key": f"idem-{uuid.uuid4()}"})
    first = client.post("/v1/jobs", json=_body(), headers=headers)
    assert first.status_code == 202 and "idempotent-replayed" not in first.headers
    second = client.post("/v1/jobs", json=_body(), headers=headers)
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "idempotency_key_reused_with_different_body"
    assert error["type"] == "idempotency_error"


def test_same_body_reformatted_replays(api_server: ApiServer, client: httpx.Client) -> None:
    body = _body()
    headers = api_server.headers("test", **{"Idempotency-Key": f"idem-{uuid.uuid4()}"})
    first = client.post("/v1/jobs", json=body, headers=headers).json()
    spaced = json.dumps(body, indent=4).encode()
    replay = client.post(
        "/v1/jobs", content=spaced, headers={**headers, "Content-Type": "application/json"}
    )
    assert replay.status_code == 202 and replay.json()["id"] == first["id"]


def test_a_request_waits_for_its_in_flight_twin_and_replays_its_job(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """The first request holds the claim; the twin waits (bounded) and gets its job."""
    body = _body()
    idem = f"idem-{uuid.uuid4()}"
    key_id = _key_id(api_server, "shared-test")
    original = client.post("/v1/jobs", json=_body(), headers=api_server.headers("test")).json()
    now = datetime.now(UTC).replace(tzinfo=None)
    with api_server.db() as db:
        db.execute(
            "INSERT INTO idempotency_keys (api_key_id, environment, key, request_hash, state,"
            " created_at, expires_at) VALUES (?, 'test', ?, ?, 'in_flight', ?, ?)",
            (key_id, idem, request_hash({"body": body}), str(now), str(now + timedelta(hours=24))),
        )
    headers = api_server.headers("test", **{"Idempotency-Key": idem})
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(client.post, "/v1/jobs", json=body, headers=headers)
        time.sleep(0.5)  # the twin is waiting now (the wait is bounded at 5 s)
        assert not waiting.done()
        with api_server.db() as db:  # the first request finishes: its job is `original`
            db.execute(
                "UPDATE idempotency_keys SET state = 'done', job_id = ?, response_status = 202"
                " WHERE key = ?",
                (original["id"], idem),
            )
        response = waiting.result(timeout=30)
    assert response.status_code == 202, response.text
    assert response.json()["id"] == original["id"]
    assert response.headers["idempotent-replayed"] == "true"


def test_in_flight_claim_answers_409_with_retry_after(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """A twin still in flight after the bounded wait (5 s) is answered 409 with Retry-After."""
    body = _body()
    idem = f"idem-{uuid.uuid4()}"
    key_id = _key_id(api_server, "shared-test")
    now = datetime.now(UTC).replace(tzinfo=None)
    # Stand in for a first request that holds the claim and has not created its job yet.
    with api_server.db() as db:
        db.execute(
            "INSERT INTO idempotency_keys (api_key_id, environment, key, request_hash, state,"
            " created_at, expires_at) VALUES (?, 'test', ?, ?, 'in_flight', ?, ?)",
            (key_id, idem, request_hash({"body": body}), str(now), str(now + timedelta(hours=24))),
        )
    response = client.post("/v1/jobs", json=body, headers=api_server.headers("test", **{
        "Idempotency-Key": idem}))  # fmt: skip
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_request_in_progress"
    assert response.headers["retry-after"] == "1"
    assert _jobs_with_url(api_server, body["source"]["url"]) == 0  # type: ignore[index]


def test_refused_requests_do_not_consume_the_key(
    api_server: ApiServer, client: httpx.Client
) -> None:
    body = _body()
    idem = f"idem-{uuid.uuid4()}"
    bad = {
        "Authorization": "Bearer clk_test_unknownunknownunknownunknown12",
        "Idempotency-Key": idem,
    }
    assert client.post("/v1/jobs", json=body, headers=bad).status_code == 401
    ok = client.post("/v1/jobs", json=body, headers=api_server.headers("test", **{
        "Idempotency-Key": idem}))  # fmt: skip
    assert ok.status_code == 202 and "idempotent-replayed" not in ok.headers


def test_keys_are_scoped_per_api_key(api_server: ApiServer, client: httpx.Client) -> None:
    body = _body()
    idem = f"idem-{uuid.uuid4()}"
    other = api_server.create_key("test", name="second")
    a = client.post("/v1/jobs", json=body, headers=api_server.headers("test", **{
        "Idempotency-Key": idem}))  # fmt: skip
    b = client.post(
        "/v1/jobs", json=body, headers={"Authorization": f"Bearer {other}", "Idempotency-Key": idem}
    )
    assert a.status_code == b.status_code == 202
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize("idem", ["short", "x" * 256])
def test_key_length_is_checked(api_server: ApiServer, client: httpx.Client, idem: str) -> None:
    response = client.post(
        "/v1/jobs", json=_body(), headers=api_server.headers("test", **{"Idempotency-Key": idem})
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"


def _key_id(server: ApiServer, name: str) -> str:
    server.key("test")
    (row,) = [k for k in json.loads(server.cli("keys", "list", "--json")) if k["name"] == name]
    return str(row["id"])
