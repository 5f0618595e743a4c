"""Keep server paths out of text that clients see (job errors, exports, webhook bodies).

Error text from ffmpeg, PyAV and yt-dlp names the files it worked on: scratch files under the
data root, the ffmpeg binary in site-packages, temporary folders. :func:`redact_paths` replaces
every absolute path under a known server folder (and any absolute path that names one of them
by its parts) with ``<path>``; URLs are left alone.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

PLACEHOLDER = "<path>"
# An absolute POSIX path not preceded by a URL scheme's "//" or a word character.
_ABSOLUTE_PATH = re.compile(r"(?<![\w/:.])/(?:[^\s'\"<>:,;)\]]+)")


def _server_roots(extra: tuple[str, ...]) -> tuple[str, ...]:
    roots = {
        str(Path(sys.prefix).resolve()),
        str(Path(tempfile.gettempdir()).resolve()),
        str(Path.home()),
        str(Path.cwd()),
        *extra,
    }
    return tuple(sorted((r for r in roots if r and r != "/"), key=len, reverse=True))


def redact_paths(text: str, *, roots: tuple[str, ...] = ()) -> str:
    """``text`` with absolute file-system paths replaced by ``<path>``.

    Every absolute path is replaced (a path at the start of a line or after a space, quote or
    bracket); then ``roots`` (e.g. the data root) wherever they still appear.
    """
    text = _ABSOLUTE_PATH.sub(PLACEHOLDER, text)
    for root in _server_roots(roots):
        text = text.replace(root, PLACEHOLDER)
    return text
