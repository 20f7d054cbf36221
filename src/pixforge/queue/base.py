"""Dispatcher: how a committed generation row is brought to a worker's attention."""

from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    """A doorbell, not a store: the database row stays the source of truth."""

    def notify(self, generation_id: int, route: str = "preview") -> None:
        """A new generation is waiting on `route` (called after its transaction commits)."""
        ...

    def start(self) -> None: ...

    def stop(self) -> None:
        """Stop taking work; running work is handed back (released) promptly."""
        ...
