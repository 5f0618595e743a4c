"""A Python client for the podclip job API: submit episodes, wait for jobs, read clips.

``PodclipClient`` blocks; ``AsyncPodclipClient`` has the same methods, awaited. Both read the
key from ``PODCLIP_API_KEY`` and the server from ``PODCLIP_API_URL`` (default
``http://127.0.0.1:8000``) unless given. Importing this package never imports the server's
stack (no FastAPI, Prefect, DuckDB or torch), only httpx and pydantic.

    from podclip.client import PodclipClient

    with PodclipClient() as client:
        job = client.submit("https://example.com/episode.mp3")
        job = client.wait(job.id)
        for clip in client.clips(job.id).clips:
            print(clip.rank, clip.shareability_score, clip.hook)

Failures are the typed exceptions of :mod:`podclip.client.errors`. ``verify_signature`` checks
a webhook delivery's ``X-Podclip-Signature`` (see :mod:`podclip.client.signatures`).
"""

from __future__ import annotations

from podclip.client._async import AsyncPodclipClient
from podclip.client._base import DEFAULT_API_URL, ENV_API_KEY, ENV_API_URL
from podclip.client._sync import PodclipClient
from podclip.client.backoff import Backoff
from podclip.client.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    ConfigurationError,
    IdempotencyError,
    InvalidRequestError,
    JobFailed,
    NotFoundError,
    PermissionDeniedError,
    PodclipClientError,
    RateLimitError,
    ServerError,
    WaitTimeout,
)
from podclip.client.models import (
    Account,
    Clip,
    ClipList,
    Export,
    ExportFile,
    Job,
    JobError,
    JobList,
    JobOutput,
    Render,
    ReviewedClip,
    Source,
    Trailer,
    TranscriptSegment,
)
from podclip.client.signatures import SignatureVerificationError, verify_signature

__all__ = [
    "DEFAULT_API_URL",
    "ENV_API_KEY",
    "ENV_API_URL",
    "APIConnectionError",
    "APIError",
    "Account",
    "AsyncPodclipClient",
    "AuthenticationError",
    "Backoff",
    "Clip",
    "ClipList",
    "ConfigurationError",
    "Export",
    "ExportFile",
    "IdempotencyError",
    "InvalidRequestError",
    "Job",
    "JobError",
    "JobFailed",
    "JobList",
    "JobOutput",
    "NotFoundError",
    "PermissionDeniedError",
    "PodclipClient",
    "PodclipClientError",
    "RateLimitError",
    "Render",
    "ReviewedClip",
    "ServerError",
    "SignatureVerificationError",
    "Source",
    "Trailer",
    "TranscriptSegment",
    "WaitTimeout",
    "verify_signature",
]
