"""API plan rules: the renewal calendar, the plans file, permission and effect checks."""

from __future__ import annotations

import calendar

import pytest

from pixforge.domain.errors import EffectLimitError, PermissionDeniedError
from pixforge.domain.plans import (
    DEFAULT_PLANS,
    Plan,
    add_month,
    check_effect,
    check_permission,
    periods_due,
    plans_from_mapping,
)


def at(year: int, month: int, day: int, hour: int = 9) -> float:
    return float(calendar.timegm((year, month, day, hour, 30, 0, 0, 0, 0)))


def test_a_month_later_on_the_anchor_day_clamped() -> None:
    assert add_month(at(2026, 1, 15), 15) == at(2026, 2, 15)
    assert add_month(at(2026, 1, 31), 31) == at(2026, 2, 28)
    assert add_month(at(2026, 2, 28), 31) == at(2026, 3, 31)  # back to the anchor day
    assert add_month(at(2026, 12, 31), 31) == at(2027, 1, 31)


def test_several_missed_periods_are_stepped_over() -> None:
    started = at(2026, 1, 31)
    start, renews = periods_due(started, add_month(started, 31), started, at(2026, 5, 2))
    assert (start, renews) == (at(2026, 4, 30), at(2026, 5, 31))


def test_plans_file() -> None:
    plans = plans_from_mapping({"team": {"monthly_credits": 9, "models": ["v6"], "features": []}})
    assert plans["team"] == Plan("team", 9, 5, None, ("v6",), ())
    for bad in (
        {"x": {"monthly_credits": -1}},
        {"x": {"models": ["v9"]}},
        {"x": {"features": ["upscale"]}},
        {"x": {"credits": 5}},
        {"x": {"rate_limit_per_s": 0}},
        ["x"],
    ):
        with pytest.raises(ValueError):
            plans_from_mapping(bad)
    assert DEFAULT_PLANS[0] == Plan("essential", 15_000, 5, 3)


def test_permission_and_effects() -> None:
    plan = Plan("p", 0, 1, 2, ("v5",), ("text", "modify"))
    check_permission(plan, "v5", "text")
    check_permission(plan, "", "modify")  # model-less features
    with pytest.raises(PermissionDeniedError, match="model"):
        check_permission(plan, "v6", "text")
    with pytest.raises(PermissionDeniedError, match="extend"):
        check_permission(plan, "v5", "extend")
    check_effect(plan, 1, frozenset())
    check_effect(plan, 1, frozenset({1, 2}))  # already used this period
    with pytest.raises(EffectLimitError):
        check_effect(plan, 3, frozenset({1, 2}))
    check_effect(Plan("open", 0, 1), 3, frozenset(range(100)))
