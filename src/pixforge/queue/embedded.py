"""Embedded dispatcher: a pool of worker threads in the server process, claiming rows by lease.

On stop, running renders are handed back at their next progress step (released: queued again,
the attempt not counted), so a shutdown takes seconds, not the length of a render.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pixforge.worker.runner import Runner

log = logging.getLogger(__name__)


class EmbeddedDispatcher:
    """N threads, each with its own runner (and engine); `notify` wakes an idle one at once."""

    def __init__(
        self,
        runner_factory: Callable[[int, threading.Event], Runner],
        workers: int,
        poll_s: float,
        *,
        release_all: Callable[[], int],
        stop_grace_s: float = 5.0,
    ) -> None:
        self._runner_factory = runner_factory
        self._workers = workers
        self._poll_s = poll_s
        # Hands back whatever this process's workers still hold (threads stuck past the grace).
        self._release_all = release_all
        self._stop_grace_s = stop_grace_s
        self._wake = threading.Condition()
        self._pending = 0
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.runners: list[Runner] = []

    def notify(self, generation_id: int, route: str = "preview") -> None:
        with self._wake:
            self._pending += 1
            self._wake.notify()

    def start(self) -> None:
        for index in range(self._workers):
            runner = self._runner_factory(index, self.stopping)
            self.runners.append(runner)
            thread = threading.Thread(
                target=self._loop, args=(runner,), name=f"pixforge-worker-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Stop the workers: running renders are released at their next step; a thread still
        busy after the grace period is left behind and its work released for it."""
        self.stopping.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + self._stop_grace_s
        stuck: list[int] = []
        for index, thread in enumerate(self._threads):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                stuck.append(index)
        if stuck:
            released = self._release_all()
            log.warning(
                "workers still busy at shutdown; their work was handed back",
                extra={"workers": len(stuck), "released": released},
            )
        for index, runner in enumerate(self.runners):
            if index not in stuck:
                runner.engine.close()
        self._threads.clear()
        self.runners.clear()

    def _loop(self, runner: Runner) -> None:
        while not self.stopping.is_set():
            try:
                ran = runner.run_next()
            except Exception:  # keep the worker alive through database hiccups
                log.exception("worker loop error")
                ran = False
            if ran:
                continue
            with self._wake:
                if self._pending == 0 and not self.stopping.is_set():
                    self._wake.wait(self._poll_s)
                self._pending = max(0, self._pending - 1)
