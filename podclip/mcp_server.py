"""``podclip mcp``: the job API as MCP tools over stdio, for Claude Desktop, Cursor, Claude Code.

A thin shim over :class:`podclip.client.AsyncPodclipClient`, like doc 003's server: the tools
``submit_job``, ``get_job`` and ``list_jobs`` of that document, plus ``get_clips``. The key comes
from ``PODCLIP_API_KEY`` and the server from ``PODCLIP_API_URL`` (default
``http://127.0.0.1:8000``). An API error reaches the model as a tool error that names the
error code, so it can correct itself; nothing is ever written to stdout but the protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from podclip.client import APIError, AsyncPodclipClient, Job, PodclipClientError
from podclip.client._base import resolve_config

NAME = "podclip"
INSTRUCTIONS = """podclip turns long episodes (podcasts, interviews, talks) into short ranked clips.
Workflow: submit_job with a public episode URL -> poll get_job (every 10-30 s) until status is
"complete" or "failed" -> get_clips for the ranked clips (best first, with hooks, timestamps and
media links). list_jobs finds earlier jobs. Sandbox keys (clk_test_) return a fixed fixture in
seconds and never process real media; live keys (clk_live_) run the real pipeline (minutes)."""

Platform = Literal[
    "tiktok",
    "reels",
    "shorts",
    "youtube_shorts",
    "instagram",
    "linkedin",
    "twitter",
    "x",
    "youtube",
]

# The fields of a clip an agent needs (the API also repeats the times under other names).
CLIP_FIELDS = {
    "id", "rank", "moment_type", "category", "shareability_score", "reason", "hook",
    "pull_quote", "start_seconds", "end_seconds", "duration_seconds", "media_url",
    "rendered_urls", "transcript_text",
}  # fmt: skip
SUMMARY_FIELDS = {
    "id", "status", "environment", "source", "show_name", "created_at", "completed_at",
    "clip_count", "duration_seconds", "error",
}  # fmt: skip

SUBMIT_DESCRIPTION = """Submit an episode for clipping; returns the queued job (its id and status).

Give source_url: a public http(s) link to an MP3/M4A/MP4 file, a podcast RSS feed (its newest
episode is used) or a YouTube URL. The source type is inferred from the URL unless source_type
is given. Processing is asynchronous: call get_job with the returned id every 10-30 seconds
until status is "complete" (then call get_clips) or "failed" (error.code says why). Statuses go
queued -> processing -> complete (or failed).
Resubmitting with the same idempotency_key returns the original job instead of a new one."""

GET_JOB_DESCRIPTION = """Get one job's current state by id (job_...).

Returns status (queued, processing, complete, failed),
timestamps, clip_count and duration_seconds; when complete, output holds the clips (best first),
show notes and a trailer link if any; when failed, error holds {code, message}. The full
transcript is left out unless include_transcript is true (it can be long)."""

LIST_JOBS_DESCRIPTION = """List this API key's recent jobs, newest first, as short summaries.

Returns {"jobs": [...], "has_more": bool, "next_starting_after": id or null}. To read the next
page, call again with starting_after set to next_starting_after."""

GET_CLIPS_DESCRIPTION = """Get a job's ranked clips, best first (highest shareability_score).

Each clip has rank, moment_type (bold_prediction, contrarian_take, emotional_story, how_to,
quotable_one_liner, host_guest_debate, strong_opinion, founder_reveal, ...), shareability_score
(0-100), reason (why it was picked), hook (a suggested opening line), pull_quote, start_seconds /
end_seconds / duration_seconds within the episode, media_url (a playable MP4 link that expires)
and transcript_text. The list is empty until the job's status is "complete"."""

REVIEW_CLIP_DESCRIPTION = """Approve or reject one clip (clip_...) of a complete job.

action is "approve" or "reject"; reason (optional) says why. The latest verdict counts; each is
recorded for analytics. Returns the clip with review_status (approved, rejected)."""

CREATE_CLIP_DESCRIPTION = """Make a new clip of a complete job from a passage of the episode.

start and end are seconds from the episode's start; they snap to the nearest word boundaries.
The clip is typed and scored like the others and rendered when the job is re-rendered
(render_status "pending" until then). Returns the clip with its snapped start and end."""

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)


def build_server(api_url: str | None = None, api_key: str | None = None) -> MCPServer[None]:
    """The MCP server; the key and URL are checked now, so a bad setup fails at start-up."""
    config = resolve_config(api_key, api_url)
    holder: dict[str, AsyncPodclipClient] = {}

    @asynccontextmanager
    async def lifespan(_: MCPServer[None]) -> AsyncIterator[None]:
        async with AsyncPodclipClient(config.api_key, config.base_url) as client:
            holder["client"] = client
            yield

    def client() -> AsyncPodclipClient:
        return holder["client"]

    server: MCPServer[None] = MCPServer(
        NAME, instructions=INSTRUCTIONS, lifespan=lifespan, log_level="WARNING"
    )

    @server.tool(
        name="submit_job",
        description=SUBMIT_DESCRIPTION,
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, open_world_hint=True
        ),
    )
    async def submit_job(
        source_url: Annotated[str, Field(description="Public http(s) URL of the episode.")],
        source_type: Annotated[
            Literal["audio_url", "video_url", "rss_feed_url", "youtube_url"] | None,
            Field(description="How to fetch source_url; omit to infer it from the URL."),
        ] = None,
        show_name: Annotated[str | None, Field(description="The show's name.")] = None,
        guest_name: Annotated[str | None, Field(description="The guest's name.")] = None,
        description: Annotated[str | None, Field(description="Episode description.")] = None,
        platforms: Annotated[
            list[Platform] | None, Field(description="Platforms to render clips for.")
        ] = None,
        include_trailer: Annotated[
            bool, Field(description="Also cut a trailer (video sources only).")
        ] = False,
        clip_count: Annotated[
            int | None, Field(ge=4, le=9, description="How many clips (4-9, default 6).")
        ] = None,
        idempotency_key: Annotated[
            str | None,
            Field(min_length=8, max_length=255, description="Reuse to avoid duplicate jobs."),
        ] = None,
    ) -> dict[str, Any]:
        async with _tool_errors():
            job = await client().submit(
                source_url,
                source_type=source_type,
                show_name=show_name,
                guest_name=guest_name,
                description=description,
                platforms=platforms,
                include_trailer=include_trailer or None,
                clip_count=clip_count,
                idempotency_key=idempotency_key,
            )
        return _summary(job)

    @server.tool(name="get_job", description=GET_JOB_DESCRIPTION, annotations=READ_ONLY)
    async def get_job(
        job_id: Annotated[str, Field(description="The job id (job_...).")],
        include_transcript: Annotated[
            bool, Field(description="Include the full transcript segments.")
        ] = False,
    ) -> dict[str, Any]:
        async with _tool_errors():
            job = await client().get(job_id)
        return _job_view(job, include_transcript=include_transcript)

    @server.tool(name="list_jobs", description=LIST_JOBS_DESCRIPTION, annotations=READ_ONLY)
    async def list_jobs(
        limit: Annotated[int, Field(ge=1, le=100, description="Jobs per page (1-100).")] = 20,
        starting_after: Annotated[
            str | None, Field(description="next_starting_after from the previous page.")
        ] = None,
    ) -> dict[str, Any]:
        async with _tool_errors():
            page = await client().list_page(limit=limit, starting_after=starting_after)
        return {
            "jobs": [_summary(job) for job in page.data],
            "has_more": page.has_more,
            "next_starting_after": page.data[-1].id if page.has_more and page.data else None,
        }

    @server.tool(name="get_clips", description=GET_CLIPS_DESCRIPTION, annotations=READ_ONLY)
    async def get_clips(
        job_id: Annotated[str, Field(description="The job id (job_...).")],
        limit: Annotated[
            int | None, Field(ge=1, le=100, description="Return only the best N clips.")
        ] = None,
    ) -> dict[str, Any]:
        async with _tool_errors():
            listing = await client().clips(job_id)
        clips = listing.clips[:limit] if limit else listing.clips
        return {
            "job_id": listing.job_id,
            "status": listing.status,
            "clips": [clip.model_dump(mode="json", include=CLIP_FIELDS) for clip in clips],
        }

    @server.tool(name="review_clip", description=REVIEW_CLIP_DESCRIPTION, annotations=WRITES)
    async def review_clip(
        clip_id: Annotated[str, Field(description="The clip id (clip_...).")],
        action: Annotated[Literal["approve", "reject"], Field(description="The verdict.")],
        reason: Annotated[str | None, Field(max_length=500, description="Why (optional).")] = None,
    ) -> dict[str, Any]:
        async with _tool_errors():
            clip = await client().review_clip(clip_id, action, reason=reason)
        return clip.model_dump(mode="json")

    @server.tool(name="create_clip", description=CREATE_CLIP_DESCRIPTION, annotations=WRITES)
    async def create_clip(
        job_id: Annotated[str, Field(description="The job id (job_...).")],
        start: Annotated[float, Field(ge=0, description="Start, seconds into the episode.")],
        end: Annotated[float, Field(gt=0, description="End, seconds into the episode.")],
    ) -> dict[str, Any]:
        async with _tool_errors():
            clip = await client().create_clip(job_id, start, end)
        return clip.model_dump(mode="json")

    return server


@asynccontextmanager
async def _tool_errors() -> AsyncIterator[None]:
    """An API failure as a ToolError the model can read (code first, then what to do)."""
    try:
        yield
    except APIError as exc:
        where = f", request {exc.request_id}" if exc.request_id else ""
        raise ToolError(f"{exc.code}: {exc.message} (HTTP {exc.status}{where})") from exc
    except (PodclipClientError, ValueError) as exc:
        raise ToolError(str(exc)) from exc


def _summary(job: Job) -> dict[str, Any]:
    return job.model_dump(mode="json", include=SUMMARY_FIELDS)


def _job_view(job: Job, *, include_transcript: bool) -> dict[str, Any]:
    view = job.model_dump(mode="json", exclude_none=False)
    output = view.get("output")
    if isinstance(output, dict):
        output["clips"] = [
            {k: v for k, v in clip.items() if k in CLIP_FIELDS} for clip in output["clips"]
        ]
        if not include_transcript:
            output["transcript_segments"] = len(output.pop("transcript", []) or [])
    return view


def serve(api_url: str | None = None, api_key: str | None = None) -> None:
    """Run the server on stdin/stdout until the host closes it."""
    build_server(api_url, api_key).run("stdio")
