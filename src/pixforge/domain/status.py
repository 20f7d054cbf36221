"""A generation's life as data: status codes 1/5/6/7/8, the phases inside status 5, and the
named transitions with what each one may start from, leads to and costs.

lifecycle/ is the only code that moves a generation; it checks every move against MOVES.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class VideoStatus(IntEnum):
    """PixVerse's status numbers; 5 covers both queued and running."""

    SUCCEEDED = 1
    GENERATING = 5
    DELETED = 6
    MODERATION_FAILED = 7
    FAILED = 8


class Phase(StrEnum):
    """Where a generation is inside status 5 (PixVerse shows all of them as 5)."""

    QUEUED = "queued"  # waiting for a worker (no lease, or the lease ran out)
    RUNNING = "running"  # a worker holds an unexpired lease
    DONE = "done"  # any other status


def phase_of(
    status: int, lease_owner: str | None, lease_expires_at: float | None, now: float
) -> Phase:
    if status != VideoStatus.GENERATING:
        return Phase.DONE
    if lease_owner is not None and lease_expires_at is not None and lease_expires_at >= now:
        return Phase.RUNNING
    return Phase.QUEUED


class Transition(StrEnum):
    SUBMIT = "submit"  # a new row in 5, charged
    CLAIM = "claim"  # a worker takes the lease (counts an attempt)
    HEARTBEAT = "heartbeat"  # the lease holder renews it and reports progress
    RELEASE = "release"  # the lease holder hands the work back (shutdown; no attempt counted)
    ABANDON = "abandon"  # a dead holder's lease is expired so another worker may claim it
    SUCCEED = "succeed"  # the lease holder stores the output: 1
    FAIL = "fail"  # 8, refunded (a render error, or attempts exhausted)
    BLOCK = "block"  # 7, refunded (content moderation)
    CANCEL = "cancel"  # 6 from 5, refunded; a running render stops at its next step
    DELETE = "delete"  # 6 from a finished status; the output is removed


@dataclass(frozen=True, slots=True)
class Move:
    """One named transition: the statuses it may start from, the status it leads to, and the
    side effects made in the same transaction."""

    sources: frozenset[VideoStatus]
    target: VideoStatus
    # Only the current lease holder may make it (a zombie worker cannot).
    holder_only: bool = False
    refund: bool = False
    # A webhook delivery row announcing the new status is written.
    announce: bool = False
    # The stored output is removed.
    drop_output: bool = False


_GENERATING = frozenset({VideoStatus.GENERATING})
_FINISHED = frozenset({VideoStatus.SUCCEEDED, VideoStatus.MODERATION_FAILED, VideoStatus.FAILED})
_G = VideoStatus.GENERATING

MOVES: dict[Transition, Move] = {
    Transition.SUBMIT: Move(frozenset(), _G),
    Transition.CLAIM: Move(_GENERATING, _G),
    Transition.HEARTBEAT: Move(_GENERATING, _G, holder_only=True),
    Transition.RELEASE: Move(_GENERATING, _G, holder_only=True),
    Transition.ABANDON: Move(_GENERATING, _G),
    Transition.SUCCEED: Move(_GENERATING, VideoStatus.SUCCEEDED, holder_only=True, announce=True),
    Transition.FAIL: Move(_GENERATING, VideoStatus.FAILED, refund=True, announce=True),
    Transition.BLOCK: Move(_GENERATING, VideoStatus.MODERATION_FAILED, refund=True, announce=True),
    Transition.CANCEL: Move(_GENERATING, VideoStatus.DELETED, refund=True, announce=True),
    Transition.DELETE: Move(_FINISHED, VideoStatus.DELETED, drop_output=True),
}

# The status changes MOVES allows, derived (for readers and tests).
TRANSITIONS: dict[VideoStatus, frozenset[VideoStatus]] = {
    status: frozenset(
        move.target for move in MOVES.values() if status in move.sources and move.target != status
    )
    for status in VideoStatus
}

# Statuses that always end refunded (6 is refunded only when cancelled while generating).
REFUNDED_STATUSES = frozenset({VideoStatus.MODERATION_FAILED, VideoStatus.FAILED})


def is_terminal(status: VideoStatus) -> bool:
    """The generation has ended (only a delete may still move it, to 6)."""
    return status is not VideoStatus.GENERATING


def can_transition(current: VideoStatus, target: VideoStatus) -> bool:
    return target in TRANSITIONS[current]


def move_for(transition: Transition, current: VideoStatus) -> Move | None:
    """The move when `transition` may start from `current`, else None."""
    move = MOVES[transition]
    return move if current in move.sources else None
