"""Routes: the generate endpoints, GET /openapi/v2/video/result/{id} and video/credits/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from pixforge.api.deps import CallerDep, FingerprintDep, StateDep, TraceIdDep, json_body
from pixforge.api.envelope import success
from pixforge.api.v2.schemas.common import path_id
from pixforge.api.v2.schemas.features import VideoCreditsResponse
from pixforge.api.v2.schemas.video import (
    ImageToVideoRequest,
    TextToVideoRequest,
    TransitionRequest,
    VideoIdResponse,
    VideoResultResponse,
)

router = APIRouter()

TextBody = Annotated[TextToVideoRequest, Depends(json_body(TextToVideoRequest))]
ImageBody = Annotated[ImageToVideoRequest, Depends(json_body(ImageToVideoRequest))]
TransitionBody = Annotated[TransitionRequest, Depends(json_body(TransitionRequest))]


@router.post("/video/text/generate")
def text_to_video(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: TextBody,
) -> dict[str, Any]:
    video_id = state.generations.submit(caller, trace_id, fingerprint, body.to_spec())
    return success(VideoIdResponse(video_id=video_id).model_dump())


@router.post("/video/img/generate")
def image_to_video(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: ImageBody,
) -> dict[str, Any]:
    video_id = state.generations.submit(caller, trace_id, fingerprint, body.to_spec())
    return success(VideoIdResponse(video_id=video_id).model_dump())


@router.post("/video/transition/generate")
def transition(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: TransitionBody,
) -> dict[str, Any]:
    video_id = state.generations.submit(caller, trace_id, fingerprint, body.to_spec())
    return success(VideoIdResponse(video_id=video_id).model_dump())


@router.get("/video/result/{video_id}")
def result(
    state: StateDep, caller: CallerDep, _trace_id: TraceIdDep, video_id: str
) -> dict[str, Any]:
    view = state.generations.result(caller, path_id("video_id", video_id))
    return success(VideoResultResponse.from_view(view).model_dump())


@router.get("/video/credits/{video_id}")
def credits(
    state: StateDep, caller: CallerDep, _trace_id: TraceIdDep, video_id: str
) -> dict[str, Any]:
    """What a generation of the caller's account was charged."""
    generation_id = path_id("video_id", video_id)
    charged = state.generations.credits_of(caller, generation_id)
    answer = VideoCreditsResponse(video_id=generation_id, credits=charged, credit=charged)
    return success(answer.model_dump())


# PixVerse's MCP package 0.2.2 requests the credits at the origin root, without /openapi/v2
# (its client joins "/video/credits/{id}" to the bare base URL): served there too.
root_router = APIRouter()
root_router.add_api_route("/video/credits/{video_id}", credits, methods=["GET"])
