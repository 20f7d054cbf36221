"""Route: POST /openapi/v2/video/mask/selection, answered at once (the feature generate
endpoints are in generate.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from pixforge.api.deps import CallerDep, FingerprintDep, StateDep, TraceIdDep, json_body
from pixforge.api.envelope import success
from pixforge.api.openapi import envelope_responses, json_request_body
from pixforge.api.v2.schemas.features import (
    MaskInfo,
    MaskSelectionRequest,
    MaskSelectionResponse,
)

router = APIRouter(tags=["generate"])

MaskBody = Annotated[MaskSelectionRequest, Depends(json_body(MaskSelectionRequest))]


@router.post(
    "/video/mask/selection",
    summary="Select the masks of a video frame (for swap)",
    response_model=None,
    responses=envelope_responses(MaskSelectionResponse),
    openapi_extra=json_request_body(MaskSelectionRequest),
)
def mask_selection(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: MaskBody,
) -> dict[str, Any]:
    selection = state.masks.select(
        caller,
        trace_id,
        fingerprint,
        body.source_video_id or None,
        body.video_media_id or None,
        body.keyframe_id,
    )
    response = MaskSelectionResponse(
        keyframe_id=selection.keyframe,
        keyframe_url=selection.keyframe_url,
        credits=selection.credits,
        mask_info=[
            MaskInfo(mask_id=m.mask_id, mask_name=m.name, mask_url=m.url) for m in selection.masks
        ],
    )
    return success(response.model_dump())
