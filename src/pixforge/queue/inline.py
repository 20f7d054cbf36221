"""Inline dispatcher: runs a generation in the submitting thread right after its commit, or —
with autorun off — when the test says so (`drain`, like arq's burst mode). For tests and
one-shot tools; deterministic, no threads, no polling."""

from __future__ import annotations

import threading

from pixforge.worker.runner import Outcome, Runner


class InlineDispatcher:
    def __init__(self, runner: Runner, *, autorun: bool = True) -> None:
        self.runner = runner
        self.autorun = autorun
        self.pending: list[int] = []
        # One engine: generations run one at a time, whichever request thread submits them.
        self._lock = threading.Lock()

    def notify(self, generation_id: int, route: str = "preview") -> None:
        if not self.autorun:
            with self._lock:
                self.pending.append(generation_id)
            return
        with self._lock:
            self.runner.run(generation_id)

    def run(self, generation_id: int) -> Outcome:
        with self._lock:
            return self.runner.run(generation_id)

    def drain(self) -> int:
        """Run everything waiting (notified or claimable); returns how many ran."""
        count = 0
        with self._lock:
            self.pending.clear()
            while self.runner.run_next():
                count += 1
        return count

    def start(self) -> None:
        """Run what was waiting before this process started (queued or released work), as
        the embedded workers would pick it up; later work runs in the submitting thread."""
        if self.autorun:
            self.drain()

    def stop(self) -> None:
        self.runner.stopping.set()
        self.runner.engine.close()
