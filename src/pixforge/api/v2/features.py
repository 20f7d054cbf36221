"""Routes: the feature endpoints (extend, lip sync, sound effect, fusion, restyle,
multi-transition, swap mask selection and swap, mimic)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from pixforge.api.deps import CallerDep, FingerprintDep, StateDep, TraceIdDep, json_body
from pixforge.api.envelope import success
from pixforge.api.v2.schemas.features import (
    ExtendRequest,
    FusionRequest,
    LipSyncRequest,
    MaskInfo,
    MaskSelectionRequest,
    MaskSelectionResponse,
    MimicRequest,
    MultiTransitionRequest,
    RestyleRequest,
    SoundEffectRequest,
    SwapRequest,
    VideoCreditsResponse,
)
from pixforge.api.v2.schemas.video import VideoIdResponse
from pixforge.containers.api import ApiContainer
from pixforge.domain.spec import GenerationSpec
from pixforge.services.accounts import Caller

router = APIRouter()

ExtendBody = Annotated[ExtendRequest, Depends(json_body(ExtendRequest))]
LipSyncBody = Annotated[LipSyncRequest, Depends(json_body(LipSyncRequest))]
SoundBody = Annotated[SoundEffectRequest, Depends(json_body(SoundEffectRequest))]
FusionBody = Annotated[FusionRequest, Depends(json_body(FusionRequest))]
RestyleBody = Annotated[RestyleRequest, Depends(json_body(RestyleRequest))]
MultiBody = Annotated[MultiTransitionRequest, Depends(json_body(MultiTransitionRequest))]
MaskBody = Annotated[MaskSelectionRequest, Depends(json_body(MaskSelectionRequest))]
SwapBody = Annotated[SwapRequest, Depends(json_body(SwapRequest))]
MimicBody = Annotated[MimicRequest, Depends(json_body(MimicRequest))]


def _submitted(
    state: ApiContainer,
    caller: Caller,
    trace_id: str,
    fingerprint: str,
    spec: GenerationSpec,
    *,
    with_credits: bool = False,
) -> dict[str, Any]:
    """Submit and answer `{video_id}`, or `{video_id, credits, credit}` where PixVerse's schema
    echoes the charge."""
    video_id = state.generations.submit(caller, trace_id, fingerprint, spec)
    if not with_credits:
        return success(VideoIdResponse(video_id=video_id).model_dump())
    credits = state.generations.credits_of(caller, video_id)
    return success(
        VideoCreditsResponse(video_id=video_id, credits=credits, credit=credits).model_dump()
    )


@router.post("/video/extend/generate")
def extend(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: ExtendBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec())


@router.post("/video/lip_sync/generate")
def lip_sync(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: LipSyncBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec())


@router.post("/video/sound_effect/generate")
def sound_effect(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: SoundBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec())


@router.post("/video/fusion/generate")
def fusion(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: FusionBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec())


@router.post("/video/restyle/generate")
def restyle(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: RestyleBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec(), with_credits=True)


@router.post("/video/multi_transition/generate")
def multi_transition(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: MultiBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec(), with_credits=True)


@router.post("/video/swap/generate")
def swap(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: SwapBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec(), with_credits=True)


@router.post("/video/mimic/generate")
def mimic(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    fingerprint: FingerprintDep,
    body: MimicBody,
) -> dict[str, Any]:
    return _submitted(state, caller, trace_id, fingerprint, body.to_spec(), with_credits=True)


@router.post("/video/mask/selection")
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
