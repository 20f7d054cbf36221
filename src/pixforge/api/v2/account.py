"""Route: GET /openapi/v2/account/balance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pixforge.api.deps import CallerDep, StateDep, TraceIdDep
from pixforge.api.envelope import success
from pixforge.api.openapi import envelope_responses
from pixforge.api.v2.schemas.account import BalanceResponse

router = APIRouter(tags=["account"])


@router.get(
    "/account/balance",
    name="account_balance",
    summary="Credit balance",
    response_model=None,
    responses=envelope_responses(BalanceResponse),
)
async def balance(state: StateDep, caller: CallerDep, _trace_id: TraceIdDep) -> dict[str, Any]:
    """One point read on the event loop (as deps.get_caller): never behind slow requests."""
    balance = state.accounts.balance(caller.account_id)
    return success(BalanceResponse.from_balance(balance).model_dump())
