"""Point a child process at the session's Prefect test API instead of its own ephemeral one."""

from __future__ import annotations

from collections.abc import Mapping


def with_session_api(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` plus the test harness's PREFECT_API_URL (needs the ``prefect_harness`` fixture).

    A child without PREFECT_API_URL starts an ephemeral Prefect server of its own, which costs
    several CPU-seconds per process; the harness's server is a real one on loopback.
    """
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise RuntimeError("no Prefect API in this test: request the prefect_harness fixture")
    return {**env, "PREFECT_API_URL": url}
