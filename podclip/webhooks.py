"""What the API and the webhook deliverer share: endpoint checks and event bodies.

An event's ``data.object`` is the job exactly as ``GET /v1/jobs/{id}`` renders it. The job
envelope is built in ``api/`` (:func:`api.views.job_view`, then the ``api.schemas.Job`` model),
and ``tasks/`` may not import ``api/``. ``podclip/`` may import everything and tasks
may import ``podclip``, so the deliverer reaches the one view builder through this module
instead of a copy of it. The imports are lazy: only a process that renders an event loads them.
The same holds for sandbox jobs, which move along their clock in :func:`api.sandbox.advance`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from podclip.core.errors import InvalidSourceUrl
from podclip.core.netsafe import check_url
from podclip.core.settings import Settings
from podclip.store.ops import Job

if TYPE_CHECKING:
    from sqlalchemy import Engine


def check_endpoint(url: str, *, allow_private: bool) -> str:
    """``url`` if podclip may POST events to it, else :class:`InvalidSourceUrl`.

    Only public https endpoints; with ``allow_private`` (tests, one-machine setups) http and
    private or loopback addresses too.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise InvalidSourceUrl("Webhook URLs must use https.")
    return check_url(url, allow_private=allow_private)


class EventRenderer:
    """Renders event bodies and advances sandbox jobs for one settings object."""

    def __init__(self, settings: Settings) -> None:
        from podclip.api.media import MediaLinks
        from podclip.api.views import OutputCache

        self.settings = settings
        self.links = MediaLinks(settings)
        # A deliverer renders each finished job once (its body is then frozen): no cache.
        self.cache = OutputCache(0)

    def job_object(self, job: Job) -> dict[str, Any]:
        """``data.object``: the job envelope of ``GET /v1/jobs/{id}``, as JSON values."""
        from podclip.api import schemas, views

        view = views.job_view(job, self.settings, self.links, self.cache)
        return schemas.Job.model_validate(view).model_dump(mode="json")

    def body(
        self, *, event_id: str, event_type: str, created: datetime, request_id: str, job: Job
    ) -> str:
        """The event envelope as compact JSON text (the exact bytes every attempt sends)."""
        envelope = {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(created.timestamp()),
            "request_id": request_id,
            "data": {"object": self.job_object(job)},
        }
        return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)

    def advance_sandbox(self, engine: Engine, job: Job) -> Job:
        """Move a sandbox job to where its clock says (its webhook events fire on the way)."""
        from podclip.api import sandbox

        return sandbox.advance(engine, job, step_seconds=self.settings.api.sandbox_step_seconds)
