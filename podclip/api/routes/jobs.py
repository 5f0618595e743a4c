"""Jobs: submit (JSON or upload, idempotent), read one, list, read clips.

The two polling routes (a job, its clips) are ``async``: their database reads are short and
run inline (see :mod:`api.deps`), and a finished job's body comes from the output cache; only a
cache miss (a lake read, then serialisation) goes to the thread pool.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from podclip.api import submit, uploads
from podclip.api.deps import (
    CacheDep,
    ClipsRead,
    DialectDep,
    JobsCreate,
    JobsRead,
    LinksDep,
    SettingsDep,
    Stores,
    StoresDep,
)
from podclip.api.errors import IDEMPOTENCY, ApiError
from podclip.api.routes import ERROR_RESPONSES
from podclip.api.schemas import ClipList, Job, JobList, SubmitJob, SubmitUpload
from podclip.core.dialects import PREFIXES, Dialect, status_word
from podclip.core.settings import Settings
from podclip.store import idempotency, job_view, ops, sandbox
from podclip.store.api_keys import ApiKey
from podclip.store.links import MediaLinks

router = APIRouter(tags=["jobs"], responses=ERROR_RESPONSES)

# Waiting for an in-flight twin: first re-check after 20 ms, doubling up to 200 ms.
IDEMPOTENCY_POLL_SECONDS = 0.02
IDEMPOTENCY_POLL_MAX_SECONDS = 0.2

JobId = Annotated[str, Path(min_length=1, max_length=64, description="A job id (job_…).")]


def _component(model: type[SubmitJob] | type[SubmitUpload]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    SUBMIT_COMPONENTS.update(schema.pop("$defs", {}))
    SUBMIT_COMPONENTS[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


# The submit body is read by hand (to answer with the documented codes), so its schema is
# declared here and merged into the OpenAPI components by api.main.
SUBMIT_COMPONENTS: dict[str, Any] = {}
SUBMIT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _component(SubmitJob)},
            "multipart/form-data": {"schema": _component(SubmitUpload)},
        },
    },
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "8-255 characters; replays the original job for 24 hours.",
            "schema": {"type": "string", "minLength": 8, "maxLength": 255},
        }
    ],
}


def load_job(stores: Stores, settings: Settings, key: ApiKey, job_id: str) -> ops.Job:
    """The job if this key's environment may see it (sandbox jobs advanced), else not_found."""
    # Another account's job, or another environment's, is exactly as missing as none.
    job = ops.get_job(stores.engine, job_id, account_id=key.account_id, environment=key.environment)
    return sandbox.advance(stores.engine, job, step_seconds=settings.api.sandbox_step_seconds)


async def _json_body(request: Request, limit: int) -> Any:
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large", f"The JSON body is larger than {limit} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise ApiError(400, "invalid_json", "The request body is empty; send a JSON object.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None


def _create(
    stores: Stores,
    settings: Settings,
    key: ApiKey,
    submission: submit.Submission,
    idempotency_key: str | None,
    body_for_hash: Any,
) -> tuple[ops.Job, bool]:
    """Create the job, or replay the one its idempotency key already made; (job, replayed)."""
    fields = {
        **submission.job_fields(key.environment),
        "account_id": key.account_id,
        # The account's job budget (live jobs queued or running); feed jobs spend it too.
        "max_active": settings.accounts.max_active_jobs,
    }
    if idempotency_key is None:
        return ops.create_job(stores.engine, **fields), False
    api = settings.api

    def claim() -> idempotency.ClaimResult:
        return idempotency.claim(
            stores.write_engine,
            api_key_id=key.id,
            environment=key.environment,
            key=idempotency_key,
            body_hash=idempotency.request_hash({"body": body_for_hash}),
            ttl_seconds=api.idempotency_ttl_hours * 3600,
            stale_seconds=api.idempotency_stale_seconds,
        )

    result = claim()
    # A twin request (same key and body) is still creating the job: wait for it, bounded, and
    # replay its job, as the document promises the original job for the same key and body.
    deadline = time.monotonic() + api.idempotency_wait_seconds
    delay = IDEMPOTENCY_POLL_SECONDS
    while result.outcome == "in_flight" and time.monotonic() < deadline:
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, IDEMPOTENCY_POLL_MAX_SECONDS)
        result = claim()
    if result.outcome == "mismatch":
        raise ApiError(
            409,
            "idempotency_key_reused_with_different_body",
            "This Idempotency-Key was used with a different request body in the last 24 hours.",
            type=IDEMPOTENCY,
            param="Idempotency-Key",
        )
    if result.outcome == "in_flight":
        retry = settings.api.idempotency_retry_after_seconds
        raise ApiError(
            409,
            "idempotency_request_in_progress",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            type=IDEMPOTENCY,
            param="Idempotency-Key",
            headers={"Retry-After": str(retry)},
        )
    if result.outcome == "replay":
        job = ops.get_job(stores.engine, str(result.claim.job_id))
        advanced = sandbox.advance(
            stores.engine, job, step_seconds=settings.api.sandbox_step_seconds
        )
        return advanced, True
    try:
        job_id = idempotency.complete_with_job(
            stores.engine, result.claim.id, response_status=202, **fields
        )
    except BaseException:
        idempotency.release(stores.engine, result.claim.id)
        raise
    return ops.get_job(stores.engine, job_id), False


@router.post(
    "/jobs",
    status_code=202,
    response_model=Job,
    summary="Submit an episode",
    openapi_extra=SUBMIT_BODY,
    responses={
        409: {"model": ERROR_RESPONSES[400]["model"], "description": "Idempotency conflict."},
        413: {"model": ERROR_RESPONSES[400]["model"], "description": "Body or upload too large."},
    },
)
async def submit_job(
    request: Request,
    response: Response,
    key: JobsCreate,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    cache: CacheDep,
    dialect: DialectDep,
) -> dict[str, Any]:
    """Queue a job from ``source {type, url}``, ``source_url`` or a multipart ``file``.

    Sandbox (test) keys get deterministic fixtures and never run the pipeline.
    """
    idempotency_key = request.headers.get("idempotency-key")
    if idempotency_key is not None and not 8 <= len(idempotency_key) <= 255:
        raise ApiError(
            400,
            "invalid_parameter",
            "Idempotency-Key must be 8 to 255 characters.",
            param="Idempotency-Key",
        )
    live = key.environment == "live"
    content_type = request.headers.get("content-type", "").lower()
    body_for_hash: Any
    if content_type.startswith("multipart/form-data"):
        form = await uploads.parse_form(request, settings)
        try:
            filename = form.file.filename or "upload"
            parsed = submit.parse_upload_fields(form.fields, settings, filename)
            # A sandbox upload is hashed and dropped: sandbox keys never keep files.
            keep = uploads.store_upload if live else uploads.hash_upload
            stored = await run_in_threadpool(keep, form.file, settings)
        finally:
            uploads.discard(form.file)
        submission = replace(
            parsed,
            source_url=stored.local_path,
            source={
                **parsed.source,
                "filename": stored.filename,
                "size_bytes": stored.size_bytes,
                "sha256": stored.sha256,
            },
        )
        body_for_hash = {"upload": stored.sha256, "filename": stored.filename, **form.fields}
    else:
        body_for_hash = await _json_body(request, settings.api.max_json_bytes)
        submission = await run_in_threadpool(submit.parse_json, body_for_hash, settings, live=live)
    # TooManyActiveJobs: 429 with Retry-After, from the error class.
    job, replayed = await run_in_threadpool(
        _create, stores, settings, key, submission, idempotency_key, body_for_hash
    )
    response.headers["Location"] = f"{_prefix(dialect)}/jobs/{job.id}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return await run_in_threadpool(job_view.job_view, job, settings, links, cache, dialect)


def _prefix(dialect: Dialect) -> str:
    return next(prefix for prefix, d in PREFIXES.items() if d == dialect)


def _cache_route(route: str, dialect: Dialect, links: MediaLinks) -> str:
    """The output cache's route key: bodies differ by dialect (statuses) and link base."""
    return f"{route} {dialect} {links.base}"


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get("/jobs/{job_id}", response_model=Job, summary="Get a job")
async def get_job(
    job_id: JobId,
    key: JobsRead,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    cache: CacheDep,
    dialect: DialectDep,
) -> Response:
    """The job envelope; ``output`` is filled once ``status`` is ``complete``."""
    job = load_job(stores, settings, key, job_id)

    def render() -> bytes:
        view = job_view.job_view(job, settings, links, cache, dialect)
        return Job.model_validate(view).model_dump_json().encode()

    # A revoked or re-issued share link changes the body of a finished job.
    share = f"share{job.share_version}{'r' if job.share_revoked_at else ''}"
    route = _cache_route(f"job {share}", dialect, links)
    hit = cache.cached(route, job, links.expiry())
    if hit is not None:
        return _json(hit)
    return _json(await run_in_threadpool(cache.rendered, route, job, links.expiry(), render))


@router.get("/jobs", response_model=JobList, summary="List jobs")
def list_jobs(
    key: JobsRead,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    cache: CacheDep,
    dialect: DialectDep,
    limit: Annotated[int | None, Query(ge=1, le=100, description="1-100, default 20.")] = None,
    starting_after: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="The last job id of the previous page."),
    ] = None,
) -> dict[str, Any]:
    """This key's environment's jobs, newest first."""
    size = limit or settings.api.page_size_default
    # An unknown cursor is JobNotFound on ``starting_after``.
    rows = ops.list_jobs(
        stores.engine,
        limit=size + 1,
        starting_after=starting_after,
        environment=key.environment,
        account_id=key.account_id,
    )
    step = settings.api.sandbox_step_seconds
    page = [sandbox.advance(stores.engine, job, step_seconds=step) for job in rows[:size]]
    return {
        "object": "list",
        "data": [job_view.job_view(job, settings, links, cache, dialect) for job in page],
        "has_more": len(rows) > size,
    }


@router.get("/jobs/{job_id}/clips", response_model=ClipList, summary="List a job's clips")
async def list_clips(
    job_id: JobId,
    key: ClipsRead,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    cache: CacheDep,
    dialect: DialectDep,
) -> Response:
    """The clips of a complete job sorted by ``shareability_score`` (empty until complete)."""
    job = load_job(stores, settings, key, job_id)

    def render() -> bytes:
        view = {
            "object": "list",
            "job_id": job.id,
            "status": status_word(dialect, job.status),
            "clips": job_view.clips_view(job, settings, links, cache),
            "has_more": False,
        }
        return ClipList.model_validate(view).model_dump_json().encode()

    route = _cache_route("clips", dialect, links)
    hit = cache.cached(route, job, links.expiry())
    if hit is not None:
        return _json(hit)
    return _json(await run_in_threadpool(cache.rendered, route, job, links.expiry(), render))
