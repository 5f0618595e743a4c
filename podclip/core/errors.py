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
