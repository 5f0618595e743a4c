"""``podclip mcp`` driven by the mcp package's own stdio client against the real API."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextContent

from tests.e2e.helpers import ApiServer
from tests.e2e.test_client import server_settings
from tests.support.seed import seed_published_job

pytestmark = [pytest.mark.network, pytest.mark.slow]  # each runs subprocesses of podclip
PODCLIP = str(Path(sys.executable).with_name("podclip"))
TOOLS = {"submit_job", "get_job", "list_jobs", "get_clips", "review_clip", "create_clip"}


def _params(server: ApiServer, key: str) -> StdioServerParameters:
    env = {"PODCLIP_API_URL": server.base_url, "PODCLIP_API_KEY": key}
    return StdioServerParameters(
        command=PODCLIP, args=["mcp"], env={**env, "PATH": os.environ["PATH"]}
    )


def _session(server: ApiServer, key: str, body: Callable[[ClientSession], Awaitable[None]]) -> None:
    async def main() -> None:
        with open(os.devnull, "w") as errlog:
            async with (
                stdio_client(_params(server, key), errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                await body(session)

    asyncio.run(asyncio.wait_for(main(), timeout=120))


def _data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    text = result.content[0]
    assert isinstance(text, TextContent)
    data: dict[str, Any] = json.loads(text.text)
    if result.structured_content is not None:
        assert result.structured_content == data or result.structured_content.get("result") == data
    return data


def test_tools_are_described_and_work_on_a_sandbox_key(api_server: ApiServer) -> None:
    async def body(session: ClientSession) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == TOOLS
        for tool in tools.values():
            assert tool.description and len(tool.description) > 80, tool.name
        submit_schema = tools["submit_job"].input_schema
        assert submit_schema["required"] == ["source_url"]
        assert "description" in submit_schema["properties"]["source_url"]
        assert tools["get_clips"].annotations is not None
        assert tools["get_clips"].annotations.read_only_hint is True

        job = _data(await session.call_tool("submit_job", {
            "source_url": "https://example.com/mcp/episode.mp4", "source_type": "video_url",
            "include_trailer": True, "platforms": ["tiktok"], "show_name": "MCP Show",
        }))  # fmt: skip
        assert job["status"] == "queued" and job["id"].startswith("job_")
        assert job["show_name"] == "MCP Show"

        for _ in range(100):
            state = _data(await session.call_tool("get_job", {"job_id": job["id"]}))
            if state["status"] in ("complete", "failed"):
                break
            await asyncio.sleep(0.2)
        assert state["status"] == "complete", state
        assert state["output"]["trailer"] is not None
        assert state["output"]["transcript_segments"] == 2 and "transcript" not in state["output"]
        full = _data(await session.call_tool(
            "get_job", {"job_id": job["id"], "include_transcript": True}
        ))  # fmt: skip
        assert len(full["output"]["transcript"]) == 2

        clips = _data(await session.call_tool("get_clips", {"job_id": job["id"], "limit": 2}))
        assert clips["status"] == "complete" and [c["rank"] for c in clips["clips"]] == [1, 2]
        assert clips["clips"][0]["moment_type"] == "bold_prediction"
        assert clips["clips"][0]["media_url"].startswith(api_server.base_url)
        assert "start_time" not in clips["clips"][0]  # one name per field for the model

        page = _data(await session.call_tool("list_jobs", {"limit": 1}))
        assert [j["id"] for j in page["jobs"]] == [job["id"]]
        if page["has_more"]:
            after = _data(await session.call_tool(
                "list_jobs", {"limit": 1, "starting_after": page["next_starting_after"]}
            ))  # fmt: skip
            assert after["jobs"] and after["jobs"][0]["id"] != job["id"]

        missing = await session.call_tool("get_job", {"job_id": "job_missing"})
        assert missing.is_error
        message = missing.content[0]
        assert isinstance(message, TextContent) and "not_found" in message.text
        assert "req_" in message.text
        bad = await session.call_tool("submit_job", {"source_url": "https://e.com/a.mp3",
                                                     "clip_count": 99})  # fmt: skip
        assert bad.is_error

    _session(api_server, api_server.key("test"), body)


def test_live_key_reads_a_seeded_job(api_server: ApiServer) -> None:
    job_id = seed_published_job(server_settings(api_server))

    async def body(session: ClientSession) -> None:
        job = _data(await session.call_tool("get_job", {"job_id": job_id}))
        assert (job["status"], job["environment"], job["clip_count"]) == ("complete", "live", 1)
        clips = _data(await session.call_tool("get_clips", {"job_id": job_id}))
        assert [c["id"] for c in clips["clips"]] == ["clip_seed"]
        listed = _data(await session.call_tool("list_jobs", {}))
        assert job_id in [j["id"] for j in listed["jobs"]]

    _session(api_server, api_server.key("live"), body)


def test_without_a_key_it_exits_with_a_message(tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("PODCLIP_API_")}
    result = subprocess.run(
        [PODCLIP, "mcp"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "PODCLIP_API_KEY" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def test_an_unreachable_api_is_a_readable_tool_error(api_server: ApiServer) -> None:
    from tests.e2e.helpers import free_port

    nowhere = ApiServer(
        base_url=f"http://127.0.0.1:{free_port()}",
        data_root=api_server.data_root,
        env={},
        log=api_server.log,
    )

    async def body(session: ClientSession) -> None:
        result = await session.call_tool("list_jobs", {})
        assert result.is_error
        message = result.content[0]
        assert isinstance(message, TextContent) and "Could not reach" in message.text

    _session(nowhere, api_server.key("test"), body)
