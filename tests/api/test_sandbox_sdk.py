"""The pytest plugin (pixforge.testing) with pixforge's SDK: scripted outcomes, a client's retry
code meeting every transport fault and a forced 500069, listings, cancel and the event stream
— all over a real socket."""

from __future__ import annotations

import time

import pytest

from pixforge.sdk import (
    Client,
    ConcurrencyLimitError,
    GenerationFailedError,
)
from pixforge.testing import PixforgeSandbox

pytestmark = pytest.mark.socket


def client_of(box: PixforgeSandbox, **options: float) -> Client:
    return Client(box.api_key, box.base_url, poll_interval_s=0.05, **options)  # type: ignore[arg-type]


def test_scripted_outcomes_reach_the_sdk(pixforge_sandbox: PixforgeSandbox) -> None:
    box = pixforge_sandbox
    box.sandbox.push("err-500044", mode="text", times=1)
    box.sandbox.push("fail-8 after=2polls")
    with client_of(box, max_retries=0) as client:
        with pytest.raises(ConcurrencyLimitError):
            client.text_to_video("a fox", model="v4.5", quality="360p", duration=5)
        video_id = client.text_to_video("a fox", model="v4.5", quality="360p", duration=5)
        with pytest.raises(GenerationFailedError):
            client.wait(video_id, timeout_s=30)
    assert box.sandbox.scenarios() == []
    codes = [(e.path.rsplit("/", 2)[-2], e.err_code) for e in box.sandbox.journal()]
    assert codes[:2] == [("text", 500044), ("text", 0)]


def test_the_sdk_retries_a_forced_rate_limit(pixforge_sandbox: PixforgeSandbox) -> None:
    box = pixforge_sandbox
    box.sandbox.push("err-500069 retry-after=1s", times=2)
    with client_of(box) as client:
        video_id = client.text_to_video("a fox", model="v4.5", quality="360p", duration=5)
        assert client.wait(video_id, timeout_s=60).succeeded
    submits = [e for e in box.sandbox.journal() if e.method == "POST"]
    assert [e.err_code for e in submits] == [500069, 500069, 0]
    assert len({e.trace_id for e in submits}) == 1  # one request, retried with its trace id
    assert dict(submits[0].response["headers"])["retry-after"] == "1"


@pytest.mark.parametrize("fault", ["reset", "timeout for=2s", "html-502", "html-504", "truncate"])
def test_the_sdk_retries_through_every_transport_fault(
    pixforge_sandbox: PixforgeSandbox, fault: str
) -> None:
    box = pixforge_sandbox
    with client_of(box, timeout_s=1.0) as client:
        video_id = client.text_to_video(
            f"a fox [pixforge:{fault}]", model="v4.5", quality="360p", duration=5
        )
        assert client.wait(video_id, timeout_s=60).succeeded
        # The faulted submit had gone through: the retry replayed it, nothing was made twice.
        assert client.list_videos().total == 1
    deadline = time.monotonic() + 10
    while len(submits := [e for e in box.sandbox.journal() if e.method == "POST"]) < 2:
        # A timed-out answer is journaled when the server finally sends it.
        assert time.monotonic() < deadline
        time.sleep(0.1)
    faulted, clean = sorted(submits, key=lambda e: not e.response["faults"])
    assert faulted.trace_id == clean.trace_id
    assert faulted.response["faults"] == [fault.split()[0]]
    if fault.startswith("html"):
        assert faulted.status == int(fault[-3:])
        assert "nginx" in faulted.response["body"]
    assert clean.err_code == 0 and clean.response["faults"] == []


def test_a_poll_fault_is_retried_too(pixforge_sandbox: PixforgeSandbox) -> None:
    box = pixforge_sandbox
    with client_of(box) as client:
        video_id = client.text_to_video(
            "a fox [pixforge:reset at=poll times=2]", model="v4.5", quality="360p", duration=5
        )
        assert client.wait(video_id, timeout_s=60).succeeded
    polls = [e for e in box.sandbox.journal() if e.method == "GET"]
    assert [e.status for e in polls[:2]] == [0, 0] and polls[2].status == 200


def test_list_cancel_and_events_through_the_sdk(pixforge_sandbox: PixforgeSandbox) -> None:
    box = pixforge_sandbox
    with client_of(box) as client:
        stuck = client.text_to_video("[pixforge:stuck progress=30]", model="v4.5", duration=5)
        paced = client.text_to_video("[pixforge:fail-8 after=600ms]", model="v4.5", duration=5)
        page = client.list_videos(status=[5])
        assert {v.id for v in page.items} == {stuck, paced} and page.total == 2
        events = list(client.events(paced))
        assert events[0].status == 5 and events[-1].status == 8
        cancelled = client.cancel(stuck)
        assert cancelled.status == 6
        assert client.list_videos(status=[6]).items[0].id == stuck
        assert client.balance().credit_monthly == 100_000  # both refunded
