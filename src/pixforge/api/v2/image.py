"""Route: GET /openapi/v2/image/result/{id} (image/template/generate is in generate.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from pixforge.api.deps import CallerDep, StateDep, TraceIdDep
from pixforge.api.envelope import success
from pixforge.api.openapi import envelope_responses
from pixforge.api.v2.schemas.common import path_id
from pixforge.api.v2.schemas.image import ImageResultResponse

router = APIRouter(tags=["results"])


@router.get(
    "/image/result/{image_id}",
    summary="Status and result of an image template",
    response_model=None,
    responses=envelope_responses(ImageResultResponse),
)
def image_result(
    state: StateDep,
    caller: CallerDep,
    _trace_id: TraceIdDep,
    image_id: Annotated[str, Path(description="An image id (an integer)", examples=["1234"])],
) -> dict[str, Any]:
    view = state.generations.result(caller, path_id("image_id", image_id), image=True)
    return success(ImageResultResponse.from_view(view).model_dump())
