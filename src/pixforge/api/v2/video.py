"""Routes: the generate endpoints and GET /openapi/v2/video/result/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from pixforge.api.deps import CallerDep, FingerprintDep, StateDep, TraceIdDep, json_body
from pixforge.api.envelope import success
from pixforge.api.v2.schemas.video import (
    ImageToVideoRequest,
    TextToVideoRequest,
    TransitionRequest,
    VideoIdResponse,
    VideoResultResponse,
)
from pixforge.domain.errors import BindingError

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
    if not video_id.isdigit() or len(video_id) > 19:
        raise BindingError(f"video_id: {video_id[:40]!r} is not an integer id")
    view = state.generations.result(caller, int(video_id))
    return success(VideoResultResponse.from_view(view).model_dump())
