"""The status machine as data."""

from __future__ import annotations

from pixforge.domain.status import TRANSITIONS, VideoStatus, can_transition, is_terminal


def test_only_generating_is_not_terminal() -> None:
    assert [s for s in VideoStatus if not is_terminal(s)] == [VideoStatus.GENERATING]


def test_transitions() -> None:
    assert set(TRANSITIONS) == set(VideoStatus)
    assert can_transition(VideoStatus.GENERATING, VideoStatus.SUCCEEDED)
    assert can_transition(VideoStatus.SUCCEEDED, VideoStatus.DELETED)
    assert not can_transition(VideoStatus.SUCCEEDED, VideoStatus.FAILED)
    assert not can_transition(VideoStatus.FAILED, VideoStatus.GENERATING)
    assert not any(TRANSITIONS[VideoStatus.DELETED])
