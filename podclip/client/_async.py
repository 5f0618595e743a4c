"""The asyncio/trio client: ``AsyncPodclipClient``, over ``httpx.AsyncClient``."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import httpx

from podclip.client import _base
from podclip.client._base import ExportFormat, ProgressFn, RequestSpec, SourceType
from podclip.client.backoff import Backoff
from podclip.client.errors import APIConnectionError, JobFailed, RateLimitError, WaitTimeout
from podclip.client.models import Account, ClipList, Export, Job, JobList, ReviewedClip


class AsyncPodclipClient:
    """An async client for the podclip job API (asyncio or trio); the same methods as
    :class:`~podclip.client.PodclipClient`, awaited.

    Args:
        api_key: A ``clk_live_…`` or ``clk_test_…`` key; default ``$PODCLIP_API_KEY``.
        base_url: The server, e.g. ``http://127.0.0.1:8000`` (``/v1`` is added); default
            ``$PODCLIP_API_URL``, else ``http://127.0.0.1:8000``.
        timeout: Per-request timeout, seconds.
        max_retries: Repeats of a request refused with 429 (after its ``Retry-After``, if that
            is at most a minute), 502-504, or lost on the network. Submissions carry an
            Idempotency-Key, so a repeat never makes a second job.
        backoff: Delays between those repeats when the server names none.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = _base.DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = _base.DEFAULT_MAX_RETRIES,
        backoff: Backoff | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._config = _base.resolve_config(api_key, base_url)
        self.max_retries = max_retries
        self.backoff = backoff or _base.DEFAULT_RETRY_BACKOFF
        self._http = http_client or httpx.AsyncClient(
            timeout=timeout, headers={"User-Agent": _base.USER_AGENT}
        )

    @property
    def base_url(self) -> str:
        """The API's ``/v1`` base URL."""
        return self._config.base_url

    # -- lifecycle -------------------------------------------------------------------------

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncPodclipClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- jobs ------------------------------------------------------------------------------

    async def submit(
        self,
        source_url: str | None = None,
        *,
        source_type: SourceType | None = None,
        file: str | os.PathLike[str] | None = None,
        show_name: str | None = None,
        guest_name: str | None = None,
        description: str | None = None,
        platforms: Sequence[str] | None = None,
        include_trailer: bool | None = None,
        caption_style: str | None = None,
        clip_count: int | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Queue a job for ``source_url`` (type inferred unless ``source_type``) or upload a
        local ``file``; returns the queued job."""
        spec = _base.submit_spec(
            source_url,
            source_type=source_type,
            file=file,
            show_name=show_name,
            guest_name=guest_name,
            description=description,
            platforms=platforms,
            include_trailer=include_trailer,
            caption_style=caption_style,
            clip_count=clip_count,
            idempotency_key=idempotency_key,
        )
        return Job.model_validate(await self._json(spec))

    async def get(self, job_id: str) -> Job:
        """The job as it stands now."""
        return Job.model_validate(
            await self._json(RequestSpec("GET", f"/jobs/{_base.job_path(job_id)}"))
        )

    async def wait(
        self,
        job_id: str,
        *,
        timeout: float = 900.0,
        poll_interval: float = 1.0,
        max_interval: float = 15.0,
        on_update: Callable[[Job], None] | None = None,
        raise_on_failure: bool = False,
    ) -> Job:
        """Poll until the job is ``complete`` or ``failed`` and return it.

        Polls start ``poll_interval`` seconds apart and grow to ``max_interval`` while the
        status stays the same; a 429 waits its ``Retry-After``. ``on_update`` is called with
        each new status.

        Raises:
            WaitTimeout: still running after ``timeout`` seconds.
            JobFailed: the job failed and ``raise_on_failure`` is set.
        """
        poll = Backoff(initial=poll_interval, factor=1.5, maximum=max_interval)
        deadline = time.monotonic() + timeout
        attempt = 0
        last: Job | None = None
        while True:
            try:
                job = await self.get(job_id)
            except RateLimitError as exc:
                delay = exc.retry_after if exc.retry_after is not None else poll.delay(attempt)
                if time.monotonic() + delay > deadline:
                    raise
                await anyio.sleep(delay)
                continue
            if last is None or job.status != last.status:
                attempt = 0
                if on_update is not None:
                    on_update(job)
            last = job
            if job.is_terminal:
                if raise_on_failure and job.status == "failed":
                    raise JobFailed(job)
                return job
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(job, timeout)
            await anyio.sleep(min(poll.delay(attempt), remaining))
            attempt += 1

    async def list_page(
        self, *, limit: int | None = None, starting_after: str | None = None
    ) -> JobList:
        """One page of this key's jobs, newest first (``limit`` 1-100, server default 20)."""
        spec = RequestSpec("GET", "/jobs", params=_base.list_params(limit, starting_after))
        return JobList.model_validate(await self._json(spec))

    async def list(
        self,
        *,
        page_size: int | None = None,
        starting_after: str | None = None,
        max_items: int | None = None,
    ) -> AsyncIterator[Job]:
        """Every job of this key's environment, newest first, fetching pages as it goes."""
        seen = 0
        cursor = starting_after
        while True:
            page = await self.list_page(limit=page_size, starting_after=cursor)
            for job in page.data:
                if max_items is not None and seen >= max_items:
                    return
                seen += 1
                yield job
            if not page.has_more or not page.data:
                return
            cursor = page.data[-1].id

    async def clips(self, job_id: str) -> ClipList:
        """The job's clips, best first (empty until the job is complete)."""
        spec = RequestSpec("GET", f"/jobs/{_base.job_path(job_id)}/clips")
        return ClipList.model_validate(await self._json(spec))

    async def export(
        self,
        job_id: str,
        *,
        format: ExportFormat = "zip",
        platform: str | None = None,
        preset: str | None = None,
    ) -> Export:
        """A signed, expiring link to the job's clips: a ZIP of all, or the top clip's MP4."""
        spec = _base.export_spec(job_id, format=format, platform=platform, preset=preset)
        return Export.model_validate(await self._json(spec))

    async def download(
        self, url: str, dest: str | os.PathLike[str], *, on_progress: ProgressFn | None = None
    ) -> Path:
        """Save a signed media or export link to ``dest`` (written whole or not at all)."""
        target = Path(dest)
        partial = target.with_name(f".{target.name}.part")
        try:
            async with self._http.stream("GET", url) as response:
                if response.is_error:
                    await response.aread()
                    raise _base.error_from(response)
                total = _content_length(response)
                done = 0
                with partial.open("wb") as out:
                    async for chunk in response.aiter_bytes():
                        out.write(chunk)
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress(done, total)
            partial.replace(target)
        except httpx.TransportError as exc:
            raise APIConnectionError(f"Download from {url} failed: {exc}") from exc
        finally:
            partial.unlink(missing_ok=True)
        return target

    async def review_clip(
        self, clip_id: str, action: str, *, reason: str | None = None
    ) -> ReviewedClip:
        """Approve or reject a clip (``action``: approve, reject), with an optional reason."""
        spec = _base.review_spec(clip_id, action, reason)
        return ReviewedClip.model_validate(await self._json(spec))

    async def update_clip(
        self,
        clip_id: str,
        *,
        start: float | None = None,
        end: float | None = None,
        caption_fixes: Sequence[dict[str, Any]] | None = None,
        caption_style: str | None = None,
        preset: str | None = None,
        platforms: Sequence[str] | None = None,
    ) -> ReviewedClip:
        """Trim (seconds, snapped to words), fix caption words ``[{index|time, from, to}]``
        or change the look; ``rerender`` makes the files."""
        spec = _base.update_clip_spec(
            clip_id,
            start=start,
            end=end,
            caption_fixes=caption_fixes,
            caption_style=caption_style,
            preset=preset,
            platforms=platforms,
        )
        return ReviewedClip.model_validate(await self._json(spec))

    async def create_clip(self, job_id: str, start: float, end: float) -> ReviewedClip:
        """A new clip of the job from ``start``..``end`` seconds (snapped to words)."""
        spec = _base.create_clip_spec(job_id, start, end)
        return ReviewedClip.model_validate(await self._json(spec))

    async def rerender(self, job_id: str) -> dict[str, Any]:
        """Queue a re-render of the job's changed clips."""
        return await self._json(RequestSpec("POST", f"/jobs/{_base.job_path(job_id)}/rerender"))

    async def account(self) -> Account:
        """The key's account: environment, usage."""
        return Account.model_validate(await self._json(RequestSpec("GET", "/account")))

    # -- transport -------------------------------------------------------------------------

    async def _json(self, spec: RequestSpec) -> dict[str, Any]:
        return dict(_base.json_of(await self._request(spec)))

    async def _request(self, spec: RequestSpec) -> httpx.Response:
        """Send ``spec``, repeating refusals worth repeating; raise the typed error otherwise."""
        attempt = 0
        while True:
            try:
                response = await self._send(spec)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise APIConnectionError(
                        f"Could not reach the podclip API at {self.base_url}: {exc}"
                    ) from exc
                await anyio.sleep(self.backoff.delay(attempt))
                attempt += 1
                continue
            if not response.is_error:
                return response
            error = _base.error_from(response)
            delay = _base.retry_delay(error, self.backoff.delay(attempt))
            if delay is None or attempt >= self.max_retries:
                raise error
            await anyio.sleep(delay)
            attempt += 1

    async def _send(self, spec: RequestSpec) -> httpx.Response:
        headers = {**_base.auth_headers(self._config), **spec.headers}
        url = f"{self.base_url}{spec.path}"
        if spec.upload is None:
            return await self._http.request(
                spec.method, url, params=spec.params, json=spec.json, headers=headers
            )
        name, kind = _base.upload_part(spec.upload)
        with spec.upload.open("rb") as handle:
            return await self._http.request(
                spec.method,
                url,
                data=spec.data,
                files={"file": (name, handle, kind)},
                headers=headers,
            )


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


__all__ = ["AsyncPodclipClient"]
