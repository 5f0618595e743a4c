"""A job's guest share link: revoke it, or issue a new one (earlier links stop working).

``DELETE /v1/jobs/{id}/share`` revokes: the page answers 404 and the job's
``output.guest_share_url`` becomes null. ``POST /v1/jobs/{id}/share`` issues a new link, valid
for ``api.share_ttl_days`` from now. Only the key's own account's jobs (others are 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from podclip.api.deps import JobsCreate, LinksDep, SettingsDep, StoresDep
from podclip.api.routes import ERROR_RESPONSES
from podclip.store import ops, share_links
from podclip.store.api_keys import ApiKey

router = APIRouter(tags=["share"], responses=ERROR_RESPONSES)
JobId = Annotated[str, PathParam(min_length=1, max_length=64, description="A job id (job_…).")]


class ShareLink(BaseModel):
    object: str = "share_link"
    job_id: str
    url: str | None = Field(description="The guest page; null once revoked or expired.")
    revoked: bool
    expires_at: datetime | None


def _view(stores: Any, key: ApiKey, links: Any, job_id: str) -> dict[str, Any]:
    job = ops.get_job(stores.engine, job_id, account_id=key.account_id, environment=key.environment)
    url = share_links.current_url(links, job)
    revoked = job.share_revoked_at is not None
    return {
        "object": "share_link",
        "job_id": job.id,
        "url": url,
        "revoked": revoked,
        "expires_at": None if revoked else share_links.expires_at(job, links.settings),
    }


def _change(action: Any, stores: Any, key: ApiKey, job_id: str) -> None:
    action(stores.engine, job_id, account_id=key.account_id, environment=key.environment)


@router.delete("/jobs/{job_id}/share", response_model=ShareLink, summary="Revoke a share link")
def revoke_share(
    job_id: JobId, key: JobsCreate, stores: StoresDep, links: LinksDep, settings: SettingsDep
) -> dict[str, Any]:
    """The job's guest page answers 404 from now on; ``POST`` makes a new link."""
    _change(share_links.revoke, stores, key, job_id)
    return _view(stores, key, links, job_id)


@router.post(
    "/jobs/{job_id}/share", response_model=ShareLink, status_code=201, summary="New share link"
)
def issue_share(
    job_id: JobId, key: JobsCreate, stores: StoresDep, links: LinksDep, settings: SettingsDep
) -> dict[str, Any]:
    """A new guest page link, valid for ``api.share_ttl_days``; earlier links stop working."""
    _change(share_links.issue, stores, key, job_id)
    return _view(stores, key, links, job_id)
