"""API plans as PixVerse sells them: monthly credits, concurrent generations, effect templates
usable per billing period, and which models and features the plan includes — and the monthly
renewal date. Pure rules; the store keeps an account's plan and period, services apply them.

An account without a plan keeps the server's defaults (every model and feature, no effect
limit, credits only as granted). Sources and the default figures: docs/spec-notes.md, "API
plans".
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pixforge.domain.errors import EffectLimitError, PermissionDeniedError
from pixforge.values import FEATURE_NAMES, MODELS


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    monthly_credits: int
    concurrency: int
    # Distinct effect templates used per billing period (None: no limit).
    effects_per_period: int | None = None
    # None: every model / feature; otherwise only these (500020 for the others).
    models: tuple[str, ...] | None = None
    features: tuple[str, ...] | None = None
    # Requests per second per API key, and the burst (None: the server's setting).
    rate_limit_per_s: float | None = None
    rate_limit_burst: int | None = None


# PixVerse's API subscription as a third-party comparison reports it (spec notes): 15,000
# credits a month, 5 concurrent generations, 3 effects per billing period. Operators describe
# their own plans in PIXFORGE_PLANS_FILE.
DEFAULT_PLANS: tuple[Plan, ...] = (Plan("essential", 15_000, 5, 3),)


def plans_from_mapping(data: object) -> dict[str, Plan]:
    """Plans from a parsed plans file: {"name": {"monthly_credits": .., ...}, ...}."""
    if not isinstance(data, Mapping):
        raise ValueError("the plans file must hold a JSON object of plans by name")
    plans = {}
    for name, raw in data.items():
        if not isinstance(raw, Mapping):
            raise ValueError(f"plan {name!r}: must be an object")
        unknown = set(raw) - {
            "monthly_credits",
            "concurrency",
            "effects_per_period",
            "models",
            "features",
            "rate_limit_per_s",
            "rate_limit_burst",
        }
        if unknown:
            raise ValueError(f"plan {name!r}: unknown keys {', '.join(sorted(unknown))}")
        plans[str(name)] = validate_plan(
            Plan(
                str(name),
                int(raw.get("monthly_credits", 0)),
                int(raw.get("concurrency", 5)),
                None if raw.get("effects_per_period") is None else int(raw["effects_per_period"]),
                None if raw.get("models") is None else tuple(map(str, raw["models"])),
                None if raw.get("features") is None else tuple(map(str, raw["features"])),
                None if raw.get("rate_limit_per_s") is None else float(raw["rate_limit_per_s"]),
                None if raw.get("rate_limit_burst") is None else int(raw["rate_limit_burst"]),
            )
        )
    return plans


def validate_plan(plan: Plan) -> Plan:
    if not plan.name or len(plan.name) > 40:
        raise ValueError("plan names are 1 to 40 characters")
    if plan.monthly_credits < 0 or plan.concurrency < 1:
        raise ValueError(f"plan {plan.name!r}: credits >= 0 and concurrency >= 1")
    if plan.effects_per_period is not None and plan.effects_per_period < 0:
        raise ValueError(f"plan {plan.name!r}: effects_per_period >= 0")
    if (plan.rate_limit_per_s is not None and plan.rate_limit_per_s <= 0) or (
        plan.rate_limit_burst is not None and plan.rate_limit_burst < 1
    ):
        raise ValueError(f"plan {plan.name!r}: rate_limit_per_s > 0 and rate_limit_burst >= 1")
    bad = set(plan.models or ()) - set(MODELS) | set(plan.features or ()) - set(FEATURE_NAMES)
    if bad:
        raise ValueError(f"plan {plan.name!r}: unknown models or features {sorted(bad)}")
    return plan


def check_permission(plan: Plan, model: str, feature: str) -> None:
    """500020 when the plan does not include the request's model or feature."""
    if plan.features is not None and feature not in plan.features:
        raise PermissionDeniedError(
            f"{feature}: this account's plan ({plan.name}) does not include this feature"
        )
    if model and plan.models is not None and model not in plan.models:
        raise PermissionDeniedError(
            f"model: {model} is not included in this account's plan ({plan.name}); "
            f"included: {', '.join(plan.models) or 'none'}"
        )


def check_effect(plan: Plan, template_id: int, used: frozenset[int]) -> None:
    """500060 when a template not yet used this period would exceed the plan's effect count."""
    limit = plan.effects_per_period
    if limit is None or template_id in used or len(used) < limit:
        return
    raise EffectLimitError(
        f"template_id: the plan ({plan.name}) allows {limit} effect templates per billing "
        f"period and {len(used)} are in use; template {template_id} is over the monthly limit"
    )


def add_month(epoch_s: float, anchor_day: int) -> float:
    """The same time of day one calendar month later, on the anchor day (clamped to the
    month's length: a plan started on the 31st renews on the 30th in April)."""
    moment = time.gmtime(epoch_s)
    year, month = (
        (moment.tm_year + 1, 1) if moment.tm_mon == 12 else (moment.tm_year, moment.tm_mon + 1)
    )
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    seconds = moment.tm_hour * 3600 + moment.tm_min * 60 + moment.tm_sec + epoch_s % 1
    return calendar.timegm((year, month, day, 0, 0, 0, 0, 0, 0)) + seconds


def anchor_day(started_at: float) -> int:
    return time.gmtime(started_at).tm_mday


def periods_due(
    period_start: float, renews_at: float, started_at: float, now: float
) -> tuple[float, float]:
    """(period start, next renewal) as of `now`, stepping month by month from a period that
    has ended (several months may have passed)."""
    day = anchor_day(started_at)
    while renews_at <= now:
        period_start, renews_at = renews_at, add_month(renews_at, day)
    return period_start, renews_at
