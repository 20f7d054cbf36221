"""Request dependencies: the app state, the authenticated caller, the trace id, parsed bodies."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ValidationError
from starlette.types import Scope

from pixforge.api.envelope import from_pydantic
from pixforge.containers.api import ApiContainer
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.logs import trace_id_var
from pixforge.services.accounts import Caller
from pixforge.services.idempotency import request_hash

ModelT = TypeVar("ModelT", bound=BaseModel)

TRACE_HEADER = "Ai-trace-id"
# Namespace for the UUIDs that stand for non-UUID trace ids (PIXFORGE_TRACE_ID_OPTIONAL only).
FOREIGN_TRACE_IDS = uuid.UUID("5f0c2a4e-8d1b-4c6e-9a57-3e2f1b7d9c40")

# auto_error=False: a missing key is answered by AccountService (ErrCode 10001), not by FastAPI.
# Declared through Security so that the OpenAPI document carries the apiKey scheme.
API_KEY_SCHEME = APIKeyHeader(
    name="API-KEY",
    scheme_name="ApiKey",
    description="Your API key (PixVerse `API-KEY` header).",
    auto_error=False,
)


async def get_state(request: Request) -> ApiContainer:
    state: ApiContainer = request.app.state.pixforge
    return state


StateDep = Annotated[ApiContainer, Depends(get_state)]


async def get_caller(
    request: Request,
    state: StateDep,
    api_key: Annotated[str | None, Security(API_KEY_SCHEME)],
) -> Caller:
    """Every request's key check, on the event loop: one indexed point read on the loop's own
    kept connection (~30 µs on SQLite, one loopback round trip on PostgreSQL, neither waiting
    for writers) costs less than a hand-off to the thread pool and back."""
    caller = state.accounts.authenticate(api_key)
    if caller.sandbox:
        # The journal middleware keeps sandbox accounts' requests.
        request.state.sandbox_account = caller.account_id
    state.rate_limiter.check(caller.api_key_id, *state.accounts.rate_of(caller))
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


# A UUID as str(uuid.UUID(...)) writes it: lowercase, hyphenated.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def get_trace_id(
    request: Request,
    state: StateDep,
    _caller: CallerDep,
    ai_trace_id: Annotated[
        str,
        Header(
            alias=TRACE_HEADER,
            description="A new UUID per request; re-sending one replays the first answer.",
        ),
    ] = "",
) -> str:
    """The request's trace id, checked after the API key (async, so that a generated id reaches
    the request's log context)."""
    return checked_trace_id(ai_trace_id, state.settings.trace_id_optional, request.scope)


def checked_trace_id(sent: str, optional: bool, scope: Scope) -> str:
    """The trace id a request sent, as a UUID; with `optional`, a generated one when none was
    sent (kept in the request's state, which the request layer echoes and logs), and a fixed
    UUID for a gateway's own non-UUID id."""
    raw = sent.strip()
    if not raw:
        if not optional:
            raise MissingParameterError("Ai-trace-id header is required (a new UUID per request)")
        generated = str(uuid.uuid4())
        # The middleware echoes it in the answer's Ai-trace-id header.
        scope.setdefault("state", {})["trace_id"] = generated
        trace_id_var.set(generated)
        return generated
    if _CANONICAL_UUID.fullmatch(raw):
        return raw  # already in the form str(uuid.UUID(...)) gives (most clients send it so)
    try:
        return str(uuid.UUID(raw))
    except ValueError as error:
        if not optional:
            raise InvalidParameterError(f"Ai-trace-id: {raw[:64]!r} is not a UUID") from error
    # Lenient mode: gateways send their own request ids (``task_…``, ``runtime-…-<ns>``). The
    # same id always maps to the same UUID, so a re-sent one still replays the first answer; the
    # middleware echoes the id as it was sent.
    return str(uuid.uuid5(FOREIGN_TRACE_IDS, raw))


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


def json_model(model: type[ModelT]) -> Callable[..., Awaitable[ModelT]]:
    """A JSON body dependency for routes without an API key (the admin API); an empty body is
    an empty object."""

    async def parse(request: Request) -> ModelT:
        try:
            return model.model_validate_json(await request.body() or b"{}")
        except ValidationError as error:
            raise from_pydantic(error) from error

    return parse
