"""Multipart uploads for ``POST /v1/jobs``: streamed to disk, capped, stored by content hash.

The body is parsed as it arrives (Starlette's multipart parser spools file parts to disk past
1 MiB); a running byte count refuses the request with 413 ``upload_too_large`` as soon as it
passes ``settings.api.max_upload_bytes`` (plus room for the form's own fields), and a
``Content-Length`` that is already too large is refused before reading anything. The file is then
copied into the media store as ``uploads/<sha256><ext>`` and the job's source is that local path.
A sandbox (test) key's upload is only hashed (:func:`hash_upload`): sandbox keys never keep files.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from podclip.api.errors import ApiError
from podclip.core.settings import Settings
from podclip.core.sources import MEDIA_EXTENSIONS
from podclip.store.media import CHUNK, MediaStore

FORM_OVERHEAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class StoredUpload:
    """An uploaded file in the media store."""

    filename: str
    sha256: str
    size_bytes: int
    key: str
    local_path: str


@dataclass
class ParsedForm:
    file: UploadFile
    fields: dict[str, str]


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "upload_too_large",
        f"The upload is larger than the limit of {limit} bytes.",
        param="file",
    )


async def parse_form(request: Request, settings: Settings) -> ParsedForm:
    """Read the multipart body; exactly one file part named ``file`` is required."""
    limit = settings.api.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + FORM_OVERHEAD_BYTES:
        raise _too_large(limit)

    async def counted() -> AsyncGenerator[bytes, None]:
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit + FORM_OVERHEAD_BYTES:
                raise _too_large(limit)
            yield chunk

    parser = MultiPartParser(request.headers, counted(), max_files=1, max_fields=20)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ApiError(400, "invalid_body", f"Malformed multipart body: {exc.message}") from exc
    upload = form.get("file")
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if not isinstance(upload, UploadFile):
        await form.close()
        raise ApiError(
            400, "missing_parameter", "A multipart upload needs a 'file' part.", param="file"
        )
    if upload.size is not None and upload.size > limit:
        await form.close()
        raise _too_large(limit)
    return ParsedForm(upload, fields)


def store_upload(upload: UploadFile, settings: Settings) -> StoredUpload:
    """Copy the spooled upload into the media store, hashing it on the way (blocking)."""
    store = MediaStore.from_settings(settings)
    filename = PurePosixPath(upload.filename or "upload").name[:200] or "upload"
    ext = PurePosixPath(filename).suffix.lower()
    ext = ext if ext in MEDIA_EXTENSIONS else ".bin"
    digest = hashlib.sha256()
    scratch = store.scratch(f"upload-{secrets.token_hex(8)}{ext}")
    size = 0
    source: IO[bytes] = upload.file
    source.seek(0)
    try:
        with scratch.open("wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > settings.api.max_upload_bytes:
                    raise _too_large(settings.api.max_upload_bytes)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ApiError(400, "invalid_parameter", "The uploaded file is empty.", param="file")
        sha = digest.hexdigest()
        key = f"uploads/{sha}{ext}"
        store.put(scratch, key)
        local = store.local_path(key) if store.is_local else None
        return StoredUpload(filename, sha, size, key, str(local) if local else store.url_for(key))
    finally:
        scratch.unlink(missing_ok=True)


def hash_upload(upload: UploadFile, settings: Settings) -> StoredUpload:
    """Hash a sandbox upload without keeping it: nothing is written to the media store, and the
    spooled copy goes when the request ends (:func:`discard`). Sandbox jobs never read it."""
    filename = PurePosixPath(upload.filename or "upload").name[:200] or "upload"
    digest = hashlib.sha256()
    size = 0
    source: IO[bytes] = upload.file
    source.seek(0)
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > settings.api.max_upload_bytes:
            raise _too_large(settings.api.max_upload_bytes)
        digest.update(chunk)
    if size == 0:
        raise ApiError(400, "invalid_parameter", "The uploaded file is empty.", param="file")
    return StoredUpload(filename, digest.hexdigest(), size, key="", local_path="")


def discard(upload: UploadFile) -> None:
    """Close (and so delete) the spooled upload."""
    upload.file.close()
