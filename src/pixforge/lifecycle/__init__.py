"""The generation lifecycle: named transitions over generation rows (see core.py)."""

from pixforge.lifecycle.core import (
    Claimed,
    Clock,
    Lifecycle,
    NewGeneration,
    StoredOutput,
    TransitionRefusedError,
)

__all__ = [
    "Claimed",
    "Clock",
    "Lifecycle",
    "NewGeneration",
    "StoredOutput",
    "TransitionRefusedError",
]
