"""Routes: the sandbox admin API under /pixforge/admin (its own bearer token, PIXFORGE_ADMIN_TOKEN;
never an account key): sandbox accounts, scenario steps, timing, the virtual clock, the journal.
Every call and every refused one is logged."""

from __future__ import annotations

import hmac
import logging
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from pixforge.api.deps import StateDep, json_model
from pixforge.api.envelope import success
from pixforge.domain.errors import AuthError
from pixforge.domain.sandbox import JournalFilter, Timing, TimingMode

log = logging.getLogger("pixforge.admin")


class AdminAuthError(AuthError):
    """A missing or wrong admin token (HTTP 401), or the admin API switched off (403)."""

    err_code = 10002
    http_status = 401


async def require_admin(request: Request, state: StateDep) -> None:
    expected = state.settings.admin_token
    sent = request.headers.get("authorization", "")
    client = request.client.host if request.client else ""
    where = {"method": request.method, "path": request.url.path, "client": client}
    if not expected:
        log.warning("admin call refused: the admin API is off", extra=where)
        error = AdminAuthError("admin API is off: set PIXFORGE_ADMIN_TOKEN to use it")
        error.http_status = 403
        raise error
    scheme, _, token = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        log.warning("admin call refused: bad token", extra=where)
        raise AdminAuthError("Authorization: Bearer <PIXFORGE_ADMIN_TOKEN> is required")
    log.info("admin call", extra=where)


router = APIRouter(
    prefix="/pixforge/admin", tags=["sandbox admin"], dependencies=[Depends(require_admin)]
)


class AccountRequest(BaseModel):
    name: str = Field(default="sandbox", max_length=200)
    credit_monthly: int = Field(default=100_000, ge=0)
    credit_package: int = Field(default=0, ge=0)
    concurrency: int | None = Field(default=None, ge=1)
    sandbox: bool = True


class StepRequest(BaseModel):
    directive: str = Field(min_length=1, max_length=300, examples=["err-500044"])
    mode: str | None = Field(default=None, max_length=20, examples=["text"])
    times: int | None = Field(default=1, ge=1, le=1000)


class TimingRequest(BaseModel):
    mode: Literal["instant", "fixed", "seeded", "polls"]
    seconds: float = Field(default=0.0, ge=0)
    polls: int = Field(default=0, ge=0)
    seed: int = 0


class ClockRequest(BaseModel):
    advance_s: float = Field(ge=0, le=10 * 365 * 86400)


@router.post("/accounts", summary="Create an account (sandbox by default) with an API key")
async def create_account(
    state: StateDep, body: Annotated[AccountRequest, Depends(json_model(AccountRequest))]
) -> dict[str, Any]:
    def create() -> dict[str, Any]:
        row = state.accounts.create_account(
            body.name,
            body.credit_monthly,
            body.credit_package,
            body.concurrency,
            sandbox=body.sandbox,
        )
        key_row, key = state.accounts.create_api_key(row.id, name=body.name)
        return {"account_id": row.id, "key_id": key_row.id, "api_key": key, "sandbox": row.sandbox}

    return success(await run_in_threadpool(create))


@router.get("/sandbox/{account_id}", summary="A sandbox account's timing, clock and scenario")
def sandbox_state(state: StateDep, account_id: int) -> dict[str, Any]:
    return success(asdict(state.sandbox.state(account_id)))


@router.post("/sandbox/{account_id}/scenarios", summary="Queue a scripted outcome")
def push_step(
    state: StateDep,
    account_id: int,
    body: Annotated[StepRequest, Depends(json_model(StepRequest))],
) -> dict[str, Any]:
    step = state.sandbox.push_step(account_id, body.directive, mode=body.mode, times=body.times)
    return success(asdict(step))


@router.get("/sandbox/{account_id}/scenarios", summary="The queued scripted outcomes")
def list_steps(state: StateDep, account_id: int) -> dict[str, Any]:
    state.sandbox.require_sandbox(account_id)
    return success({"steps": [asdict(s) for s in state.sandbox.steps(account_id)]})


@router.delete("/sandbox/{account_id}/scenarios", summary="Drop every queued outcome")
def clear_steps(state: StateDep, account_id: int) -> dict[str, Any]:
    return success({"removed": state.sandbox.clear_steps(account_id)})


@router.put("/sandbox/{account_id}/timing", summary="Set the account's timing mode")
def set_timing(
    state: StateDep,
    account_id: int,
    body: Annotated[TimingRequest, Depends(json_model(TimingRequest))],
) -> dict[str, Any]:
    timing = Timing(TimingMode(body.mode), body.seconds, body.polls, body.seed)
    return success(asdict(state.sandbox.set_timing(account_id, timing)))


@router.post("/sandbox/{account_id}/clock", summary="Advance the account's virtual clock")
def advance_clock(
    state: StateDep,
    account_id: int,
    body: Annotated[ClockRequest, Depends(json_model(ClockRequest))],
) -> dict[str, Any]:
    offset = state.sandbox.advance_clock(account_id, body.advance_s)
    return success({"clock_offset_s": offset, "now": state.sandbox.now(account_id)})


def _filter(
    trace_id: str | None = None,
    path: Annotated[str | None, Query(description="part of the request path")] = None,
    err_code: int | None = None,
    since: Annotated[float | None, Query(description="UNIX seconds")] = None,
    until: Annotated[float | None, Query(description="UNIX seconds")] = None,
) -> JournalFilter:
    return JournalFilter(trace_id=trace_id, path=path, err_code=err_code, since=since, until=until)


JournalQuery = Annotated[JournalFilter, Depends(_filter)]


@router.get("/sandbox/{account_id}/journal", summary="Requests and answers of the account")
def journal(
    state: StateDep,
    account_id: int,
    where: JournalQuery,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    entries = state.sandbox.journal(account_id, where, limit)
    return success({"entries": [asdict(e) for e in entries]})


@router.get("/sandbox/{account_id}/journal.har", summary="The journal as a HAR 1.2 file")
def journal_har(state: StateDep, account_id: int, where: JournalQuery) -> dict[str, Any]:
    return state.sandbox.har(account_id, where)


@router.delete("/sandbox/{account_id}/journal", summary="Empty the account's journal")
def clear_journal(state: StateDep, account_id: int) -> dict[str, Any]:
    state.sandbox.clear_journal(account_id)
    return success({"cleared": True})


@router.post("/sandbox/{account_id}/reset", summary="Reset a sandbox account to fresh")
def reset(state: StateDep, account_id: int) -> dict[str, Any]:
    state.sandbox.reset(account_id)
    return success({"reset": True})


@router.get("/snapshot", summary="All state (tables and files) as a tar.gz")
def snapshot(state: StateDep) -> Response:
    return Response(state.sandbox.snapshot(), media_type="application/gzip")


@router.post("/restore", summary="Replace all state with a snapshot (the tar.gz as the body)")
async def restore(state: StateDep, request: Request) -> dict[str, Any]:
    await run_in_threadpool(state.sandbox.restore, await request.body())
    return success({"restored": True})
