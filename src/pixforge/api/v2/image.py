"""Routes: image templates (POST /openapi/v2/image/template/generate) and their results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from pixforge.api.deps import CallerDep, FingerprintDep, StateDep, TraceIdDep, json_body
from pixforge.api.envelope import success
from pixforge.api.v2.schemas.common import path_id
from pixforge.api.v2.schemas.image import (
    ImageIdResponse,
    ImageResultResponse,
    ImageTemplateRequest,
)

router = APIRouter()

TemplateBody = Annotated[ImageTemplateRequest, Depends(json_body(ImageTemplateRequest))]


@router.post("/image/template/generate")
def image_template(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: TemplateBody,
) -> dict[str, Any]:
    image_id = state.generations.submit(caller, trace_id, fingerprint, body.to_spec())
    credits = state.generations.credits_of(caller, image_id)
    return success(ImageIdResponse(image_id=image_id, credit=credits, credits=credits).model_dump())


@router.get("/image/result/{image_id}")
def image_result(
    state: StateDep, caller: CallerDep, _trace_id: TraceIdDep, image_id: str
) -> dict[str, Any]:
    view = state.generations.result(caller, path_id("image_id", image_id), image=True)
    return success(ImageResultResponse.from_view(view).model_dump())
