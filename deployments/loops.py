"""The long-lived loops of a serving process: the job dispatcher and the webhook deliverer.

Both run as daemon threads beside Prefect's runner in ``podclip serve``, or alone in
``podclip dispatcher`` (many machines: one or more beside the work pool's workers). Neither
starts a process or a flow run while there is nothing to do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from podclip.core.settings import Settings


class BackgroundLoops:
    """Start the dispatcher and webhook loops as daemon threads; stop them together."""

    def __init__(self, settings: Settings, wake: Callable[[], None] | None = None) -> None:
        from podclip.flows.dispatch import run_dispatcher
        from podclip.flows.rerender import run_rerender_loop
        from podclip.flows.webhooks import run_webhook_loop

        self.stop_event = threading.Event()
        self.threads = [
            threading.Thread(
                target=run_dispatcher,
                args=(settings, self.stop_event, wake),
                name="podclip-dispatcher",
                daemon=True,
            ),
            threading.Thread(
                target=run_webhook_loop,
                args=(settings, self.stop_event),
                name="podclip-webhooks",
                daemon=True,
            ),
            # The studio's re-renders (issue 18): one rerender-clips run per queued request.
            threading.Thread(
                target=run_rerender_loop,
                args=(settings, self.stop_event, wake),
                name="podclip-rerenders",
                daemon=True,
            ),
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask both loops to finish their pass and wait up to ``timeout`` seconds for each."""
        self.stop_event.set()
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout)
