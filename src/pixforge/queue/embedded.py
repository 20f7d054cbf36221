"""Embedded dispatcher: a pool of worker threads in the server process, claiming rows by lease."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pixforge.worker.runner import Runner

log = logging.getLogger(__name__)


class EmbeddedDispatcher:
    """N threads, each with its own runner (and engine); `notify` wakes an idle one at once."""

    def __init__(
        self, runner_factory: Callable[[int], Runner], workers: int, poll_s: float
    ) -> None:
        self._runner_factory = runner_factory
        self._workers = workers
        self._poll_s = poll_s
        self._wake = threading.Condition()
        self._pending = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.runners: list[Runner] = []

    def notify(self, generation_id: int) -> None:
        with self._wake:
            self._pending += 1
            self._wake.notify()

    def start(self) -> None:
        for index in range(self._workers):
            runner = self._runner_factory(index)
            self.runners.append(runner)
            thread = threading.Thread(
                target=self._loop, args=(runner,), name=f"pixforge-worker-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join()
        for runner in self.runners:
            runner.engine.close()
        self._threads.clear()
        self.runners.clear()

    def _loop(self, runner: Runner) -> None:
        while not self._stopping.is_set():
            try:
                ran = runner.run_next()
            except Exception:  # keep the worker alive through database hiccups
                log.exception("worker loop error")
                ran = False
            if ran:
                continue
            with self._wake:
                if self._pending == 0 and not self._stopping.is_set():
                    self._wake.wait(self._poll_s)
                self._pending = max(0, self._pending - 1)
