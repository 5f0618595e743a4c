"""The error tree every layer raises, and what the API answers for each.

``PodclipError`` carries the stable ``code`` the API and job records show, the HTTP ``status``
the API answers with, and optionally the request ``param`` it concerns. Subclasses say whether
trying again can help: ``RetryableError`` (network blips, a locked database) versus
``PermanentError`` (bad input, unsupported media). Prefect retry conditions and the API's error
envelope both branch on these classes, never on message text; the API has no per-route mapping
(:mod:`podclip.api.errors`). A 5xx error's message is never shown to API clients: they get a
bare ``internal_error``. Pipeline failures keep 500: they reach clients as a job's ``error``
object, not as an HTTP answer.

The tree (``code``, HTTP ``status``); ``tests/unit/test_error_tree.py`` checks it against the
classes:

- PodclipError (internal_error, 500)
  - RetryableError (internal_error, 500)
    - DownloadInterrupted (download_failed, 500)
    - StoreError (store_error, 500)
  - PermanentError (internal_error, 500)
    - InvalidSourceUrl (invalid_source_url, 400)
      - InvalidWebhookUrl (invalid_url, 400)
    - UnsupportedMedia (unsupported_media, 500)
    - SourceTooLarge (source_too_large, 500)
    - DownloadFailed (download_failed, 500)
    - DownloadTimedOut (download_timeout, 500)
    - TranscriptionFailed (transcription_failed, 500)
    - RenderFailed (render_failed, 500)
    - ModelUnavailable (model_unavailable, 500)
    - UnsupportedLanguage (unsupported_language, 500)
    - SourceMissing (source_missing, 500)
    - ArtworkUnavailable (artwork_unavailable, 500)
    - FeedRejected (invalid_feed, 500)
    - NotFound (not_found, 404)
      - JobNotFound (not_found, 404)
      - WebhookNotFound (not_found, 404)
      - FeedNotFound (not_found, 404)
      - ApiKeyNotFound (not_found, 404)
      - InvalidToken (not_found, 404)
      - AccountNotFound (account_not_found, 404)
    - InvalidRequest (invalid_request, 400)
      - InvalidFeedRequest (invalid_request, 400)
      - InvalidEvents (invalid_events, 400)
      - NoJobs (no_jobs, 400)
      - InvalidScope (invalid_scope, 400)
      - InvalidAccountName (invalid_account_name, 400)
      - InvalidSpan (invalid_span, 400)
      - InvalidCorrection (invalid_caption_fix, 400)
    - Conflict (conflict, 409)
      - FeedExists (feed_already_exists, 409)
      - AccountExists (account_exists, 409)
      - WebhookInactive (webhook_inactive, 409)
    - LimitReached (limit_reached, 409)
      - FeedLimitReached (feed_limit_reached, 409)
      - WebhookLimitReached (webhook_limit_reached, 409)
      - TooManyActiveJobs (too_many_active_jobs, 429)
"""

from __future__ import annotations

from typing import Any


class PodclipError(Exception):
    """Base of every podclip error; ``code`` is the stable machine-readable name."""

    code = "internal_error"
    status = 500
    """The HTTP status the API answers with (5xx: a bare ``internal_error``, message hidden)."""
    param: str | None = None
    """The request parameter the error concerns, if any (the envelope's ``param``)."""
    retry_after: int | None = None
    """Seconds a client should wait before trying again (the ``Retry-After`` header)."""

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if param is not None:
            self.param = param

    def __reduce__(self) -> tuple[Any, ...]:
        # Prefect pickles failed task results. Rebuild without __init__ (subclasses may take
        # other arguments) and restore code, param and any extra attributes from __dict__.
        return (_rebuild, (type(self), self.message), dict(self.__dict__))


def _rebuild(cls: type[PodclipError], message: str) -> PodclipError:
    return cls.__new__(cls, message)


class RetryableError(PodclipError):
    """A failure that may pass on a later attempt."""


class PermanentError(PodclipError):
    """A failure that the same input will always produce."""


class InvalidSourceUrl(PermanentError):
    """The source is not an http(s) URL or local file we may read."""

    code = "invalid_source_url"
    status = 400


class InvalidWebhookUrl(InvalidSourceUrl):
    """A webhook endpoint podclip may not POST to (not https, or not a public host)."""

    code = "invalid_url"
    param = "url"


class UnsupportedMedia(PermanentError):
    """The bytes are not audio or video that ffmpeg can decode."""

    code = "unsupported_media"


class SourceTooLarge(PermanentError):
    """The source exceeds the size or duration cap."""

    code = "source_too_large"


class DownloadFailed(PermanentError):
    """The server answered with an error status or the page had no media."""

    code = "download_failed"


class DownloadInterrupted(RetryableError):
    """A connection failed mid-way; another attempt may succeed."""

    # The retryable half of DownloadFailed: a job that runs out of attempts fails the same way.
    code = "download_failed"


class DownloadTimedOut(PermanentError):
    """The download outlived its overall deadline (a slow or stalling source)."""

    code = "download_timeout"


class TranscriptionFailed(PermanentError):
    """The model could not transcribe the audio."""

    code = "transcription_failed"


class RenderFailed(PermanentError):
    """ffmpeg failed to render a clip."""

    code = "render_failed"


class StoreError(RetryableError):
    """The operational database or the lake refused a read or write."""

    code = "store_error"


class ModelUnavailable(PermanentError):
    """The configured Whisper model is not on this machine and may not or cannot be fetched."""

    code = "model_unavailable"


class UnsupportedLanguage(PermanentError):
    """The episode's language is one the configured model cannot transcribe."""

    code = "unsupported_language"


class SourceMissing(PermanentError):
    """The job's stored source is gone from the media store: nothing can be re-rendered."""

    code = "source_missing"


class ArtworkUnavailable(PermanentError):
    """The artwork URL could not be fetched or is not an image."""

    code = "artwork_unavailable"


class FeedRejected(PermanentError):
    """The feed URL answered, but not with a feed podclip accepts (status, size, content).

    ``http_status`` is the feed's own answer when it was an HTTP error (else None).
    """

    code = "invalid_feed"

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.http_status = http_status


class NotFound(PermanentError):
    """No such object for the caller: missing, or another account's or environment's."""

    code = "not_found"
    status = 404


class JobNotFound(NotFound):
    """No job with that id exists."""

    param = "id"


class WebhookNotFound(NotFound):
    """No webhook (or delivery) with that id in this environment."""

    param = "id"


class FeedNotFound(NotFound):
    """No active feed with that id exists."""


class ApiKeyNotFound(NotFound):
    """No API key with that id."""


class InvalidToken(NotFound):
    """The signed token is malformed, forged or expired (as unknown as a missing file)."""

    param = "token"


class AccountNotFound(NotFound):
    """No account with that id or name."""

    code = "account_not_found"


class InvalidRequest(PermanentError):
    """A request value the store refuses (beyond what the request schema checks)."""

    code = "invalid_request"
    status = 400


class InvalidFeedRequest(InvalidRequest):
    """A feed registration with a bad value (a negative backfill)."""


class InvalidEvents(InvalidRequest):
    """The events list is empty or names an event podclip does not send."""

    code = "invalid_events"
    param = "events"


class NoJobs(InvalidRequest):
    """A test event needs a job to describe."""

    code = "no_jobs"


class InvalidScope(InvalidRequest):
    """A scope name that podclip does not know."""

    code = "invalid_scope"


class InvalidAccountName(InvalidRequest):
    """Account names are short lowercase handles."""

    code = "invalid_account_name"


class InvalidSpan(InvalidRequest):
    """A trim or new clip whose span is empty, reversed or outside the episode's words."""

    code = "invalid_span"


class InvalidCorrection(InvalidRequest):
    """A caption fix that names no word, or the wrong one, or an unusable replacement."""

    code = "invalid_caption_fix"


class Conflict(PermanentError):
    """The request clashes with the object's current state."""

    code = "conflict"
    status = 409


class FeedExists(Conflict):
    """The feed URL is already registered (and active) in that environment."""

    code = "feed_already_exists"
    param = "url"


class AccountExists(Conflict):
    """An account with that name exists already."""

    code = "account_exists"


class WebhookInactive(Conflict):
    """The webhook was deactivated; register it again to receive events."""

    code = "webhook_inactive"
    param = "id"


class LimitReached(PermanentError):
    """An account owns as many of something as it may; the subclass says what."""

    code = "limit_reached"
    status = 409


class FeedLimitReached(LimitReached):
    """The account watches as many feeds as it may."""

    code = "feed_limit_reached"
    param = "url"


class WebhookLimitReached(LimitReached):
    """The account has as many webhooks as it may."""

    code = "webhook_limit_reached"


class TooManyActiveJobs(LimitReached):
    """The account has as many live jobs queued or running as it may (its job budget)."""

    # 429, not 409: unlike owned feeds and webhooks, this limit frees itself as jobs finish.
    code = "too_many_active_jobs"
    status = 429
    retry_after = 60
