"""Video status codes 1/5/6/7/8 and the transitions allowed between them, as data."""

from __future__ import annotations

from enum import IntEnum


class VideoStatus(IntEnum):
    """PixVerse's status numbers; 5 covers both queued and running."""

    SUCCEEDED = 1
    GENERATING = 5
    DELETED = 6
    MODERATION_FAILED = 7
    FAILED = 8


TRANSITIONS: dict[VideoStatus, frozenset[VideoStatus]] = {
    VideoStatus.GENERATING: frozenset(
        {
            VideoStatus.SUCCEEDED,
            VideoStatus.MODERATION_FAILED,
            VideoStatus.FAILED,
            VideoStatus.DELETED,
        }
    ),
    VideoStatus.SUCCEEDED: frozenset({VideoStatus.DELETED}),
    VideoStatus.MODERATION_FAILED: frozenset({VideoStatus.DELETED}),
    VideoStatus.FAILED: frozenset({VideoStatus.DELETED}),
    VideoStatus.DELETED: frozenset(),
}

REFUNDED_STATUSES = frozenset({VideoStatus.MODERATION_FAILED, VideoStatus.FAILED})


def is_terminal(status: VideoStatus) -> bool:
    return status is not VideoStatus.GENERATING


def can_transition(current: VideoStatus, target: VideoStatus) -> bool:
    return target in TRANSITIONS[current]
