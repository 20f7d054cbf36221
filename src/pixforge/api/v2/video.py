"""Routes: GET /openapi/v2/video/result/{id} and video/credits/{id} (the generate endpoints are
in generate.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope, Send

from pixforge.api.coalesce import PollCoalescer
from pixforge.api.deps import CallerDep, StateDep, TraceIdDep, checked_trace_id
from pixforge.api.envelope import JSONResponse, send_json, success
from pixforge.api.middleware import HotRoute
from pixforge.api.openapi import envelope_responses
from pixforge.api.v2.schemas.common import path_id
from pixforge.api.v2.schemas.features import VideoCreditsResponse
from pixforge.api.v2.schemas.video import VideoResultResponse
from pixforge.containers.api import ApiContainer
from pixforge.domain.errors import BindingError
from pixforge.services.accounts import key_hash

router = APIRouter(tags=["results"])

# Read as text and checked by path_id(), so that a bad id answers 400013 in the envelope.
VideoIdPath = Annotated[str, Path(description="A video id (an integer)", examples=["1234"])]


@router.get(
    "/video/result/{video_id}",
    name="video_result",
    summary="Status and result of a video",
    response_model=None,
    responses=envelope_responses(VideoResultResponse),
)
async def result(
    state: StateDep, caller: CallerDep, _trace_id: TraceIdDep, video_id: VideoIdPath
) -> JSONResponse:
    """Every client polls here: one point read on the event loop, as deps.get_caller does."""
    video = path_id("video_id", video_id)
    if caller.sandbox:
        view = await run_in_threadpool(state.generations.result, caller, video)
    else:
        view = state.generations.result(caller, video)
    return JSONResponse(success(VideoResultResponse.answer(view)))


class _ServedResult:
    """What answers GET /openapi/v2/video/result/{id}: the documented route above, answered
    ahead of FastAPI's stack (api/middleware.py, HotRoutes) straight in ASGI. Every client polls
    this path every few seconds; FastAPI's middleware, dependency solving, router and request
    objects cost several times the read, and the key and the row come from one read, shared by
    the polls that arrive together (api/coalesce.py). The checks and answers are the documented
    route's, in its order: key (10001-10005), rate limit, trace id, video id. A sandbox account's
    poll is left to that route, behind the sandbox journal and controls."""

    path = "/openapi/v2/video/result/{video_id}"

    def __init__(self, state: ApiContainer) -> None:
        self.state = state
        self.polls = PollCoalescer(
            state.generations.hot.poll_many,
            in_thread=not state.db.is_sqlite,
            on_read=state.metrics.poll_read_size.observe,
        )

    async def __call__(self, scope: Scope, raw_id: str, send: Send) -> bool:
        state = self.state
        api_key = trace_id = None
        for name, value in scope["headers"]:  # the first of each, as Starlette's Headers.get
            if name == b"api-key" and api_key is None:
                api_key = value.decode("latin-1")
            elif name == b"ai-trace-id" and trace_id is None:
                trace_id = value.decode("latin-1")
        try:
            generation_id, bad_id = path_id("video_id", raw_id), None
        except BindingError as error:
            generation_id, bad_id = 0, error
        grant, row = await self.polls.poll(key_hash(api_key), generation_id)
        caller = state.accounts.caller_from(grant)
        if caller.sandbox:
            return False
        state.rate_limiter.check(caller.api_key_id, *state.accounts.rate_of(caller))
        checked_trace_id(trace_id or "", state.settings.trace_id_optional, scope)
        if bad_id is not None:
            raise bad_id
        view = state.generations.result_of(caller, generation_id, row)
        await send_json(send, success(VideoResultResponse.answer(view)))
        return True


def served_routes(state: ApiContainer) -> list[HotRoute]:
    """The hot routes to answer ahead of the FastAPI routes (which still document them)."""
    return [_ServedResult(state)]


def credits(
    state: StateDep, caller: CallerDep, _trace_id: TraceIdDep, video_id: VideoIdPath
) -> dict[str, Any]:
    """What a generation of the caller's account was charged."""
    generation_id = path_id("video_id", video_id)
    charged = state.generations.credits_of(caller, generation_id)
    answer = VideoCreditsResponse(video_id=generation_id, credits=charged, credit=charged)
    return success(answer.model_dump())


_CREDITS_ROUTE: dict[str, Any] = {
    "methods": ["GET"],
    "summary": "Credits charged for a video",
    "response_model": None,
    "responses": envelope_responses(VideoCreditsResponse),
}
router.add_api_route("/video/credits/{video_id}", credits, name="video_credits", **_CREDITS_ROUTE)

# PixVerse's MCP package 0.2.2 requests the credits at the origin root, without /openapi/v2
# (its client joins "/video/credits/{id}" to the bare base URL): served there too.
root_router = APIRouter(tags=["results"])
root_router.add_api_route(
    "/video/credits/{video_id}", credits, name="video_credits_at_root", **_CREDITS_ROUTE
)
