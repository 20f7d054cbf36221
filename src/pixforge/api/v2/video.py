"""Routes: GET /openapi/v2/video/result/{id} and video/credits/{id} (the generate endpoints are
in generate.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from pixforge.api.deps import CallerDep, StateDep, TraceIdDep
from pixforge.api.envelope import success
from pixforge.api.openapi import envelope_responses
from pixforge.api.v2.schemas.common import path_id
from pixforge.api.v2.schemas.features import VideoCreditsResponse
from pixforge.api.v2.schemas.video import VideoResultResponse

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
def result(
    state: StateDep, caller: CallerDep, _trace_id: TraceIdDep, video_id: VideoIdPath
) -> dict[str, Any]:
    view = state.generations.result(caller, path_id("video_id", video_id))
    return success(VideoResultResponse.from_view(view).model_dump())


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
