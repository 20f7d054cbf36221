"""Routes: every generate endpoint, registered from one table of (path, request model, answer).

Each route takes the same steps: API key, trace id, fingerprint, then the JSON body (in this
order, so that the error codes come in PixVerse's order), one `submit` call, and an answer of
its kind. The body is parsed by `deps.json_body` rather than by a FastAPI body parameter, whose
parse would run before the API-key check and answer FastAPI's errors; the OpenAPI document gets
the model through `openapi_extra` instead (see api/openapi.py).

This module does not use `from __future__ import annotations`: the endpoint is built in a
closure per table row, and FastAPI must see the row's dependency as a real object, not as a
string it would look up in the module's globals.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from pixforge.api.deps import CallerDep, FingerprintDep, StateDep, TraceIdDep, json_body
from pixforge.api.envelope import success
from pixforge.api.openapi import envelope_responses, json_request_body
from pixforge.api.v2.schemas.common import SpecRequest
from pixforge.api.v2.schemas.features import (
    ExtendRequest,
    FusionRequest,
    LipSyncRequest,
    MimicRequest,
    ModifyRequest,
    MultiTransitionRequest,
    RestyleRequest,
    SoundEffectRequest,
    SwapRequest,
    VideoCreditsResponse,
)
from pixforge.api.v2.schemas.image import ImageIdResponse, ImageTemplateRequest
from pixforge.api.v2.schemas.video import (
    ImageToVideoRequest,
    TextToVideoRequest,
    TransitionRequest,
    VideoIdResponse,
)
from pixforge.containers.api import ApiContainer
from pixforge.services.accounts import Caller


class Answer(Enum):
    """What a generate endpoint answers (PixVerse echoes the charge on the newer endpoints)."""

    VIDEO_ID = VideoIdResponse
    VIDEO_CREDITS = VideoCreditsResponse
    IMAGE_ID = ImageIdResponse


@dataclass(frozen=True, slots=True)
class GenerateRoute:
    path: str
    request: type[SpecRequest]
    answer: Answer
    summary: str


GENERATE_ROUTES: tuple[GenerateRoute, ...] = (
    GenerateRoute("/video/text/generate", TextToVideoRequest, Answer.VIDEO_ID, "Text to video"),
    GenerateRoute("/video/img/generate", ImageToVideoRequest, Answer.VIDEO_ID, "Image to video"),
    GenerateRoute(
        "/video/transition/generate", TransitionRequest, Answer.VIDEO_ID, "First and last frame"
    ),
    GenerateRoute("/video/extend/generate", ExtendRequest, Answer.VIDEO_ID, "Extend a video"),
    GenerateRoute("/video/lip_sync/generate", LipSyncRequest, Answer.VIDEO_ID, "Lip sync"),
    GenerateRoute(
        "/video/sound_effect/generate", SoundEffectRequest, Answer.VIDEO_ID, "Sound effect"
    ),
    GenerateRoute("/video/fusion/generate", FusionRequest, Answer.VIDEO_ID, "Fusion"),
    GenerateRoute("/video/restyle/generate", RestyleRequest, Answer.VIDEO_CREDITS, "Restyle"),
    GenerateRoute(
        "/video/multi_transition/generate",
        MultiTransitionRequest,
        Answer.VIDEO_CREDITS,
        "Multi-keyframe transition",
    ),
    GenerateRoute("/video/swap/generate", SwapRequest, Answer.VIDEO_CREDITS, "Swap a region"),
    GenerateRoute("/video/mimic/generate", MimicRequest, Answer.VIDEO_CREDITS, "Motion control"),
    GenerateRoute("/video/modify/generate", ModifyRequest, Answer.VIDEO_CREDITS, "Modify a video"),
    GenerateRoute(
        "/image/template/generate", ImageTemplateRequest, Answer.IMAGE_ID, "Image template"
    ),
)


def answer(kind: Answer, state: ApiContainer, caller: Caller, generation_id: int) -> BaseModel:
    """The answer of a submitted generation, in the shape its endpoint uses."""
    if kind is Answer.VIDEO_ID:
        return VideoIdResponse(video_id=generation_id)
    credits = state.generations.credits_of(caller, generation_id)
    if kind is Answer.VIDEO_CREDITS:
        return VideoCreditsResponse(video_id=generation_id, credits=credits, credit=credits)
    return ImageIdResponse(image_id=generation_id, credit=credits, credits=credits)


def _endpoint(route: GenerateRoute) -> Callable[..., dict[str, Any]]:
    body_dep = json_body(route.request)

    def generate(
        state: StateDep,
        caller: CallerDep,
        trace_id: TraceIdDep,
        fingerprint: FingerprintDep,
        body: Annotated[SpecRequest, Depends(body_dep)],
    ) -> dict[str, Any]:
        generation_id = state.generations.submit(caller, trace_id, fingerprint, body.to_spec())
        return success(answer(route.answer, state, caller, generation_id).model_dump())

    return generate


router = APIRouter(tags=["generate"])
for _route in GENERATE_ROUTES:
    router.add_api_route(
        _route.path,
        _endpoint(_route),
        methods=["POST"],
        name=_route.path.strip("/").replace("/", "_"),
        summary=_route.summary,
        response_model=None,
        responses=envelope_responses(_route.answer.value),
        openapi_extra=json_request_body(_route.request),
    )
