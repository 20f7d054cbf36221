"""The sandbox token grammar (domain/sandbox.py): parsing, canonical text, timing, refusals."""

from __future__ import annotations

import pytest

from pixforge.domain import errors
from pixforge.domain import sandbox as rules
from pixforge.domain.sandbox import Fault, Outcome, Stage, Timing, TimingMode


@pytest.mark.parametrize(
    "body",
    [
        "succeed",
        "succeed after=3polls",
        "fail-8 after=2polls",
        "fail-7 after=600s",
        "cancel-6 after=1.5s",
        "stuck progress=40",
        "succeed pace=100s",
        "err-500044 at=submit",
        "err-500069 at=poll times=2 retry-after=7s",
        "err-500030 at=upload",
        "reset at=poll times=3",
        "timeout at=submit for=2s",
        "html-502 at=submit",
        "truncate at=poll",
    ],
)
def test_canonical_text_parses_back(body: str) -> None:
    parsed = rules.parse(body)
    assert parsed.text() == body
    assert rules.parse(parsed.text()) == parsed


def test_units_aliases_and_finding_tokens() -> None:
    assert rules.parse("fail-8 after=10m").after_s == 600
    assert rules.parse("fail-8 after=500ms").after_s == 0.5
    assert rules.parse("status-7").outcome is Outcome.BLOCK
    assert rules.parse("pace=4s") == rules.parse("succeed pace=4s")
    found = rules.find(["a [pixforge:fail-8] b", "[PIXFORGE:err-500069 at=poll]"])
    assert [d.outcome for d in found] == [Outcome.FAIL, None]
    assert found[1].stage is Stage.POLL and found[1].err_code == 500069
    upload = rules.find(["x[pixforge:reset].png"], default_stage=Stage.UPLOAD)
    assert upload[0].fault is Fault.RESET and upload[0].stage is Stage.UPLOAD


def test_due_and_progress() -> None:
    polls = rules.parse("fail-8 after=2polls")
    assert not polls.due(99.0, 1) and polls.due(0.0, 2)
    assert polls.progress_at(0.0, 1) == 0.5
    timed = rules.parse("cancel-6 after=10s")
    assert not timed.due(9.9, 100) and timed.due(10.0, 0)
    paced = rules.parse("pace=100s")
    assert paced.progress_at(25.0, 0) == 0.25 and not paced.due(99.0, 0) and paced.due(100.0, 0)
    assert not rules.parse("stuck").due(1e9, 10**6)
    assert rules.parse("fail-8").due(0.0, 0) and not rules.parse("succeed").holds


def test_forced_errors_carry_their_codes() -> None:
    for code in rules.FORCEABLE:
        error = rules.parse(f"err-{code}").error()
        assert error.err_code == code
    limited = rules.parse("err-500069 retry-after=7s").error()
    assert isinstance(limited, errors.RateLimitError)


@pytest.mark.parametrize(
    ("body", "part"),
    [
        ("explode", "unknown sandbox action"),
        ("err-123", "not one a sandbox can force"),
        ("fail-8 after=soon", "not a duration"),
        ("fail-8 at=poll", "err-CODE and faults only"),
        ("err-500044 after=2s", "outcomes only"),
        ("err-500044 times=0", "whole number"),
        ("stuck progress=140", "0 to 100"),
        ("reset at=later", "submit, upload or poll"),
        ("fail-8 colour=red", "unknown sandbox option"),
        ("fail-8 after", "needs name=value"),
        ("", "empty sandbox token"),
    ],
)
def test_refusals_name_the_field(body: str, part: str) -> None:
    with pytest.raises(rules.SandboxTokenError) as caught:
        rules.parse(body, field="negative_prompt")
    assert caught.value.err_code == 400017
    assert caught.value.message.startswith("negative_prompt: ") and part in caught.value.message


def test_seeded_timing_is_reproducible() -> None:
    timing = Timing(TimingMode.SEEDED, seed=7)
    first = [rules.timed_outcome(timing, "v5", "1080p", i) for i in range(5)]
    again = [rules.timed_outcome(timing, "v5", "1080p", i) for i in range(5)]
    assert first == again and len({d.after_s for d in first if d}) == 5
    slow = rules.seeded_seconds(7, "v5", "1080p", 0)
    fast = rules.seeded_seconds(7, "v3.5", "360p", 0)
    assert slow > fast
    assert rules.timed_outcome(Timing(), "v5", "540p", 0) is None
