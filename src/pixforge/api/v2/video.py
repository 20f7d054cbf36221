"""Routes: GET /openapi/v2/video/result/{id} and video/credits/{id} (the generate endpoints are
in generate.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from pixforge.api.coalesce import PollCoalescer
from pixforge.api.deps import CallerDep, StateDep, TraceIdDep, get_trace_id
from pixforge.api.envelope import JSONResponse, success
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
    """What answers GET /openapi/v2/video/result/{id}: the documented route above, served by a
    plain Starlette route ahead of FastAPI's stack (api/middleware.py, HotRoutes). Every client
    polls this path every few seconds; FastAPI's middleware, dependency solving and nested-router
    matching cost several times the read, and the key and the row come from one read, shared by
    the polls that arrive together (api/coalesce.py). The checks and answers are the documented
    route's, in its order: key (10001-10005), rate limit, trace id, video id. A sandbox account's
    poll is handed on (None) to that route, behind the sandbox journal and controls."""

    def __init__(self, state: ApiContainer) -> None:
        self.state = state
        self.polls = PollCoalescer(
            state.generations.hot.poll_many,
            in_thread=not state.db.is_sqlite,
            on_read=state.metrics.poll_read_size.observe,
        )

    async def __call__(self, request: Request) -> Response | None:
        state = self.state
        raw_id = request.path_params["video_id"]
        try:
            generation_id, bad_id = path_id("video_id", raw_id), None
        except BindingError as error:
            generation_id, bad_id = 0, error
        grant, row = await self.polls.poll(key_hash(request.headers.get("api-key")), generation_id)
        caller = state.accounts.caller_from(grant)
        if caller.sandbox:
            return None
        state.rate_limiter.check(caller.api_key_id, *state.accounts.rate_of(caller))
        await get_trace_id(request, state, caller, request.headers.get("ai-trace-id", ""))
        if bad_id is not None:
            raise bad_id
        view = state.generations.result_of(caller, generation_id, row)
        return JSONResponse(success(VideoResultResponse.answer(view)))


def served_routes(state: ApiContainer) -> list[Route]:
    """The hot routes to put ahead of the FastAPI routes (which still document them)."""
    route = Route("/openapi/v2/video/result/{video_id}", _ServedResult(state), methods=["GET"])
    assert route.methods is not None
    route.methods.discard("HEAD")  # as the FastAPI route: GET only
    return [route]


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
