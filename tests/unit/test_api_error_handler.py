"""The one PodclipError handler: status, code, param and type come from the class, in-process."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podclip.api import errors
from podclip.api.middleware import RequestContextMiddleware
from podclip.core.errors import (
    InvalidSourceUrl,
    JobNotFound,
    PodclipError,
    StoreError,
    TooManyActiveJobs,
)


def _client(error: PodclipError, param: str | None = None) -> TestClient:
    app = FastAPI()
    errors.install(app)
    app.add_middleware(RequestContextMiddleware)

    @app.get("/boom")
    def boom() -> None:
        if param is None:
            raise error
        with errors.about(param):
            raise error

    return TestClient(app, raise_server_exceptions=False)


def _error(client: TestClient) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = client.get("/boom")
    return response.status_code, response.json()["error"], dict(response.headers)


def test_a_not_found_is_404_with_the_class_param() -> None:
    status, error, _ = _error(_client(JobNotFound("No job with id 'j'.")))
    assert status == 404
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "not_found",
        "id",
    )
    assert error["message"] == "No job with id 'j'." and error["request_id"].startswith("req_")


def test_a_route_names_the_param_a_shared_check_cannot_know() -> None:
    status, error, _ = _error(_client(InvalidSourceUrl("Source URL has no host name."), "url"))
    assert (status, error["code"], error["param"]) == (400, "invalid_source_url", "url")


def test_the_job_budget_is_a_rate_limit_with_retry_after() -> None:
    status, error, headers = _error(_client(TooManyActiveJobs("busy")))
    assert (status, error["type"], error["code"]) == (
        429,
        "rate_limit_error",
        "too_many_active_jobs",
    )
    assert headers["retry-after"] == str(TooManyActiveJobs.retry_after)


def test_a_server_side_error_is_a_bare_500_that_hides_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, error, _ = _error(_client(StoreError("lake error: /srv/secret.ducklake")))
    assert (status, error["type"], error["code"]) == (500, "api_error", "internal_error")
    assert "secret" not in error["message"]
    assert any(r.exc_info and isinstance(r.exc_info[1], StoreError) for r in caplog.records)
