"""The error tree every layer raises.

``PodclipError`` carries the API ``code`` it maps to and a human ``message``. Subclasses say
whether trying again can help: ``RetryableError`` (network blips, a locked database) versus
``PermanentError`` (bad input, unsupported media). Prefect retry conditions and the API's error
envelope both branch on these classes, never on message text.
"""

from __future__ import annotations


class PodclipError(Exception):
    """Base of every podclip error; ``code`` is the stable machine-readable name."""

    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        # Prefect pickles failed task results; keep code and message across the trip.
        return (_rebuild, (type(self), self.message, self.code))


def _rebuild(cls: type[PodclipError], message: str, code: str) -> PodclipError:
    return cls(message, code=code)


class RetryableError(PodclipError):
    """A failure that may pass on a later attempt."""


class PermanentError(PodclipError):
    """A failure that the same input will always produce."""


class InvalidSourceUrl(PermanentError):
    """The source is not an http(s) URL or local file we may read."""

    code = "invalid_source_url"


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


class JobNotFound(PermanentError):
    """No job with that id exists."""

    code = "not_found"


class WebhookNotFound(PermanentError):
    """No webhook (or delivery) with that id in this environment."""

    code = "not_found"


class InvalidEvents(PermanentError):
    """The events list is empty or names an event podclip does not send."""

    code = "invalid_events"


class NoJobs(PermanentError):
    """A test event needs a job to describe."""

    code = "no_jobs"


class WebhookInactive(PermanentError):
    """The webhook was deactivated; register it again to receive events."""

    code = "webhook_inactive"


class ModelUnavailable(PermanentError):
    """The configured Whisper model is not on this machine and may not or cannot be fetched."""

    code = "model_unavailable"


class UnsupportedLanguage(PermanentError):
    """The episode's language is one the configured model cannot transcribe."""

    code = "unsupported_language"


class AccountNotFound(PermanentError):
    """No account with that id or name."""

    code = "account_not_found"


class LimitReached(PermanentError):
    """An account owns as many of something as it may (webhooks, feeds, active jobs).

    ``code`` says which: ``webhook_limit_reached``, ``feed_limit_reached`` or
    ``too_many_active_jobs``.
    """

    code = "limit_reached"
