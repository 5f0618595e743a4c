"""Clip media, trailers and exports behind signed, expiring links (no API key: browsers play them).

``FileResponse`` answers ``Range`` requests with 206, so players can seek.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from podclip.api.deps import LinksDep
from podclip.api.schemas import ErrorEnvelope

router = APIRouter(tags=["media"])
# Exports and captions besides MP4s; timelines are downloads, so a generic type is enough.
MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".zip": "application/zip",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".csv": "text/csv",
    ".otio": "application/json",
    ".edl": "text/plain",
    ".fcpxml": "application/xml",
}


@router.get(
    "/media/{token}",
    response_class=FileResponse,
    summary="Download signed media",
    responses={
        200: {"content": {"video/mp4": {}, "application/zip": {}}, "description": "The file."},
        206: {"content": {"video/mp4": {}}, "description": "The requested byte range."},
        404: {"model": ErrorEnvelope, "description": "Unknown, forged or expired link."},
    },
)
def get_media(token: Annotated[str, PathParam(max_length=4096)], links: LinksDep) -> FileResponse:
    """The file a signed link names, if the link is genuine and unexpired."""
    found = links.resolve(token)  # InvalidToken: 404 not_found on ``token``
    media_type = MEDIA_TYPES.get(found.path.suffix.lower(), "video/mp4")
    return FileResponse(
        found.path,
        media_type=media_type,
        filename=found.filename,
        content_disposition_type="attachment" if found.download else "inline",
        headers={"Cache-Control": "private, max-age=3600"},
    )
