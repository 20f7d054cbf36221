"""Sandbox directives: the magic tokens a sandbox account writes in a prompt (or another free
field) and the scenario steps an operator queues, parsed into typed directives; and the error
each forced error code raises. Pure: no I/O.

A token is ``[pixforge:ACTION option=value ...]``; docs/sandbox.md has the table of actions and
options. The same text (without the brackets) is a scenario step, so there is one grammar.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from pixforge.domain import errors

TOKEN = re.compile(r"\[pixforge:([^\]]*)\]", re.IGNORECASE)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|min)$")
_POLLS = re.compile(r"^(\d+)polls?$")
# A timeout fault holds the answer this long by default (longer than most clients wait).
DEFAULT_TIMEOUT_FAULT_S = 30.0
MAX_TIMES = 1000


class SandboxTokenError(errors.InvalidParameterError):
    """A sandbox token that does not parse (400017, naming the field it was in)."""


class Stage(StrEnum):
    """Where a forced error or transport fault strikes."""

    SUBMIT = "submit"
    UPLOAD = "upload"
    POLL = "poll"


class Outcome(StrEnum):
    """How a generation ends (or does not)."""

    SUCCEED = "succeed"
    FAIL = "fail-8"
    BLOCK = "fail-7"
    CANCEL = "cancel-6"
    STUCK = "stuck"


class Fault(StrEnum):
    """Transport faults a real gateway produces."""

    RESET = "reset"
    TIMEOUT = "timeout"
    HTML_502 = "html-502"
    HTML_504 = "html-504"
    TRUNCATE = "truncate"


_OUTCOME_ALIASES = {
    "succeed": Outcome.SUCCEED,
    "status-1": Outcome.SUCCEED,
    "fail-8": Outcome.FAIL,
    "status-8": Outcome.FAIL,
    "fail-7": Outcome.BLOCK,
    "status-7": Outcome.BLOCK,
    "cancel-6": Outcome.CANCEL,
    "status-6": Outcome.CANCEL,
    "stuck": Outcome.STUCK,
}


def _too_many(message: str) -> errors.PixforgeError:
    return errors.RateLimitError(message, retry_after_s=1.0)


# Every error code a sandbox can force, with the error (and message) it answers.
FORCEABLE: dict[int, Callable[[str], errors.PixforgeError]] = {
    10001: errors.MissingApiKeyError,
    10002: errors.UnknownApiKeyError,
    10003: errors.DisabledApiKeyError,
    10004: errors.ExpiredApiKeyError,
    10005: errors.DisabledAccountError,
    400011: errors.MissingParameterError,
    400013: errors.BindingError,
    400017: errors.InvalidParameterError,
    400018: errors.PromptTooLongError,
    400019: errors.NegativePromptTooLongError,
    400032: errors.UnknownImageError,
    500030: errors.ImageTooLargeError,
    500031: errors.ImageUnreadableError,
    500032: errors.ImageFormatError,
    500033: errors.ImageDimensionError,
    500041: errors.ImageFetchError,
    500042: errors.ImageUrlError,
    500044: errors.ConcurrencyLimitError,
    500069: _too_many,
    500070: errors.TemplateNotActivatedError,
    500071: errors.TemplateQualityError,
    500090: errors.InsufficientCreditsError,
    500100: errors.InternalError,
    701002: errors.MimicSubjectError,
    701003: errors.MimicMotionError,
}


@dataclass(frozen=True, slots=True)
class Directive:
    """One parsed token or scenario step: an outcome, a forced error code or a transport fault."""

    outcome: Outcome | None = None
    err_code: int | None = None
    fault: Fault | None = None
    stage: Stage = Stage.SUBMIT
    after_polls: int | None = None
    after_s: float | None = None
    pace_s: float | None = None
    # Progress (0-1) a stuck generation shows.
    progress: float | None = None
    # How many requests at the stage it strikes (poll errors and faults).
    times: int = 1
    retry_after_s: float = 1.0
    fault_s: float = DEFAULT_TIMEOUT_FAULT_S

    @property
    def holds(self) -> bool:
        """Whether the generation stays in 5 under the sandbox's control for a while."""
        if self.outcome is None:
            return False
        return (
            self.outcome is Outcome.STUCK
            or self.after_polls is not None
            or self.after_s is not None
            or self.pace_s is not None
            or self.outcome is not Outcome.SUCCEED
        )

    def text(self) -> str:
        """The canonical token body (parses back to an equal directive)."""
        if self.outcome is not None:
            parts = [self.outcome.value]
            if self.after_polls is not None:
                parts.append(f"after={self.after_polls}polls")
            if self.after_s is not None:
                parts.append(f"after={_seconds(self.after_s)}")
            if self.pace_s is not None:
                parts.append(f"pace={_seconds(self.pace_s)}")
            if self.progress is not None:
                parts.append(f"progress={round(self.progress * 100)}")
            return " ".join(parts)
        parts = [f"err-{self.err_code}" if self.err_code is not None else str(self.fault)]
        parts.append(f"at={self.stage.value}")
        if self.times != 1:
            parts.append(f"times={self.times}")
        if self.err_code == 500069:
            parts.append(f"retry-after={_seconds(self.retry_after_s)}")
        if self.fault is Fault.TIMEOUT:
            parts.append(f"for={_seconds(self.fault_s)}")
        return " ".join(parts)

    def progress_at(self, elapsed_s: float, polls: int) -> float:
        """The progress (0-1) a held generation shows after `elapsed_s` and `polls`."""
        if self.outcome is Outcome.STUCK:
            return self.progress or 0.0
        if self.pace_s:
            return min(1.0, elapsed_s / self.pace_s)
        if self.after_s:
            return min(1.0, elapsed_s / self.after_s)
        if self.after_polls:
            return min(1.0, polls / self.after_polls)
        return 0.0

    def due(self, elapsed_s: float, polls: int) -> bool:
        """Whether a held generation's outcome happens now."""
        if self.outcome is None or self.outcome is Outcome.STUCK:
            return False
        if self.after_polls is not None and polls < self.after_polls:
            return False
        if self.after_s is not None and elapsed_s < self.after_s:
            return False
        return not (
            self.pace_s is not None
            and self.after_s is None
            and self.after_polls is None
            and elapsed_s < self.pace_s
        )

    def error(self) -> errors.PixforgeError:
        """The error a forced error code answers."""
        assert self.err_code is not None
        message = f"sandbox: forced error code {self.err_code} ([pixforge:{self.text()}])"
        if self.err_code == 500069:
            # The envelope rounds a wait up to whole seconds (+0.5): the header shows exactly
            # the seconds asked for.
            return errors.RateLimitError(message, retry_after_s=max(0.0, self.retry_after_s - 0.5))
        return FORCEABLE[self.err_code](message)


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _duration(field: str, name: str, value: str) -> float:
    match = _DURATION.match(value.lower())
    if match is None:
        raise SandboxTokenError(
            f"{field}: sandbox option {name}={value!r} is not a duration (like 3s, 500ms, 10m)"
        )
    number, unit = float(match.group(1)), match.group(2)
    return number / 1000 if unit == "ms" else number * 60 if unit in ("m", "min") else number


def _count(field: str, name: str, value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_TIMES:
        raise SandboxTokenError(
            f"{field}: sandbox option {name}={value!r} must be a whole number 1 to {MAX_TIMES}"
        )
    return int(value)


def parse(body: str, *, field: str = "prompt", default_stage: Stage = Stage.SUBMIT) -> Directive:
    """One token body (``fail-8 after=2polls``) as a directive; SandboxTokenError names `field`."""
    words = body.strip().lower().split()
    if not words:
        raise SandboxTokenError(f"{field}: empty sandbox token [pixforge:]")
    action = words[0]
    options = words[1:]
    if "=" in action:  # [pixforge:pace=10s] is a success at that pace
        action, options = "succeed", words
    directive = _action(field, action, default_stage)
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not value:
            raise SandboxTokenError(f"{field}: sandbox option {option!r} needs name=value")
        directive = _option(field, directive, name, value)
    return directive


def _action(field: str, action: str, stage: Stage) -> Directive:
    if action in _OUTCOME_ALIASES:
        return Directive(outcome=_OUTCOME_ALIASES[action])
    if action.startswith("err-"):
        code = action[4:]
        if not code.isdigit() or int(code) not in FORCEABLE:
            raise SandboxTokenError(
                f"{field}: sandbox error code {code!r} is not one a sandbox can force "
                f"({', '.join(str(c) for c in FORCEABLE)})"
            )
        return Directive(err_code=int(code), stage=stage)
    try:
        return Directive(fault=Fault(action), stage=stage)
    except ValueError:
        pass
    known = [*_OUTCOME_ALIASES, "err-CODE", *(f.value for f in Fault)]
    raise SandboxTokenError(
        f"{field}: unknown sandbox action {action!r}; known: {', '.join(known)}"
    )


OPTIONS = ("after", "pace", "progress", "at", "times", "retry-after", "for")


def _option(field: str, directive: Directive, name: str, value: str) -> Directive:
    if name not in OPTIONS:
        raise SandboxTokenError(
            f"{field}: unknown sandbox option {name!r}; known: {', '.join(OPTIONS)}"
        )
    outcome_only = name in ("after", "pace", "progress")
    if outcome_only and directive.outcome is None:
        raise SandboxTokenError(f"{field}: sandbox option {name}= applies to outcomes only")
    if not outcome_only and directive.outcome is not None:
        raise SandboxTokenError(
            f"{field}: sandbox option {name}= applies to err-CODE and faults only"
        )
    if name == "after":
        polls = _POLLS.match(value)
        if polls is not None:
            return replace(directive, after_polls=int(polls.group(1)))
        return replace(directive, after_s=_duration(field, name, value))
    if name == "pace":
        return replace(directive, pace_s=_duration(field, name, value))
    if name == "progress":
        if not value.isdigit() or int(value) > 100:
            raise SandboxTokenError(f"{field}: sandbox option progress= is 0 to 100")
        return replace(directive, progress=int(value) / 100)
    if name == "at":
        try:
            return replace(directive, stage=Stage(value))
        except ValueError:
            raise SandboxTokenError(
                f"{field}: sandbox option at={value!r}: submit, upload or poll"
            ) from None
    if name == "times":
        return replace(directive, times=_count(field, name, value))
    if name == "retry-after":
        return replace(directive, retry_after_s=_duration(field, name, value))
    # name == "for"
    return replace(directive, fault_s=_duration(field, name, value))


def find(
    texts: Iterable[str], *, field: str = "prompt", default_stage: Stage = Stage.SUBMIT
) -> list[Directive]:
    """Every token in `texts`, parsed, in order."""
    return [
        parse(match.group(1), field=field, default_stage=default_stage)
        for text in texts
        for match in TOKEN.finditer(text or "")
    ]


def parse_many(text: str) -> list[Directive]:
    """A stored list of token bodies joined by ';'."""
    return [parse(part) for part in text.split(";") if part.strip()]


def join(directives: Iterable[Directive]) -> str:
    return "; ".join(d.text() for d in directives)


# -- timing modes


class TimingMode(StrEnum):
    """How long a sandbox account's generations take when no token or scenario says."""

    INSTANT = "instant"
    FIXED = "fixed"
    SEEDED = "seeded"
    POLLS = "polls"


@dataclass(frozen=True, slots=True)
class Timing:
    mode: TimingMode = TimingMode.INSTANT
    seconds: float = 0.0
    polls: int = 0
    seed: int = 0


# Typical render seconds per quality for the seeded distribution (scaled per model below).
QUALITY_BASE_S = {"360p": 20.0, "540p": 30.0, "720p": 45.0, "1080p": 90.0}
MODEL_FACTOR = {"v3.5": 0.8, "v4": 0.9, "v4.5": 1.0, "v5": 1.2}


def timed_outcome(timing: Timing, model: str, quality: str, index: int) -> Directive | None:
    """The default outcome under an account's timing mode (None: instant)."""
    if timing.mode is TimingMode.FIXED:
        return Directive(outcome=Outcome.SUCCEED, after_s=timing.seconds)
    if timing.mode is TimingMode.POLLS:
        return Directive(outcome=Outcome.SUCCEED, after_polls=max(1, timing.polls))
    if timing.mode is TimingMode.SEEDED:
        return Directive(
            outcome=Outcome.SUCCEED, after_s=seeded_seconds(timing.seed, model, quality, index)
        )
    return None


def seeded_seconds(seed: int, model: str, quality: str, index: int) -> float:
    """A render time drawn from a log-normal around the model's and quality's typical time;
    the same seed, model, quality and submit index always give the same time."""
    base = QUALITY_BASE_S.get(quality, 30.0) * MODEL_FACTOR.get(model, 1.0)
    rng = random.Random(f"{seed}:{model}:{quality}:{index}")
    return round(base * rng.lognormvariate(0.0, 0.25), 2)


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """Which journal entries a query shows (None: any); times are UNIX seconds."""

    trace_id: str | None = None
    path: str | None = None
    err_code: int | None = None
    since: float | None = None
    until: float | None = None
