"""Publish COUNT small jobs named PREFIX_0 ... one after another, as a worker process would; with
``--again``, publish PREFIX_0 COUNT times (a job rerun or re-rendered over and over).

Usage: python -m tests.support.publish_many PREFIX COUNT [--again]
"""

from __future__ import annotations

import sys

from podclip.core.settings import get_settings
from podclip.store.clips import publish
from tests.support.seed import make_batch


def main(prefix: str, count: int, again: bool) -> None:
    settings = get_settings()
    for i in range(count):
        publish(settings, make_batch(f"{prefix}_{0 if again else i}"))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), "--again" in sys.argv[3:])
