"""Request dependencies: the app state, the authenticated caller, the trace id, parsed bodies."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from pixforge.api.envelope import from_pydantic
from pixforge.containers.api import ApiContainer
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.services.accounts import Caller
from pixforge.services.idempotency import request_hash

ModelT = TypeVar("ModelT", bound=BaseModel)


def get_state(request: Request) -> ApiContainer:
    state: ApiContainer = request.app.state.pixforge
    return state


StateDep = Annotated[ApiContainer, Depends(get_state)]


def get_caller(request: Request, state: StateDep) -> Caller:
    caller = state.accounts.authenticate(request.headers.get("api-key"))
    state.rate_limiter.check(caller.api_key_id)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_trace_id(request: Request, _caller: CallerDep) -> str:
    raw = request.headers.get("ai-trace-id", "").strip()
    if not raw:
        raise MissingParameterError("Ai-trace-id header is required (a new UUID per request)")
    try:
        return str(uuid.UUID(raw))
    except ValueError as error:
        raise InvalidParameterError(f"Ai-trace-id: {raw[:64]!r} is not a UUID") from error


TraceIdDep = Annotated[str, Depends(get_trace_id)]


async def get_fingerprint(request: Request, _trace_id: TraceIdDep) -> str:
    return request_hash(request.url.path, await request.body())


FingerprintDep = Annotated[str, Depends(get_fingerprint)]


def json_body(model: type[ModelT]) -> Callable[..., Awaitable[ModelT]]:
    """A dependency that parses the JSON body after auth and trace-id checks have passed."""

    async def parse(request: Request, _trace_id: TraceIdDep) -> ModelT:
        try:
            return model.model_validate_json(await request.body())
        except ValidationError as error:
            raise from_pydantic(error) from error

    return parse
