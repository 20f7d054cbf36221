"""Routes: GET /openapi/v2/video/lip_sync/tts_list and /openapi/v2/video/effects/templates/list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from pixforge.api.deps import CallerDep, StateDep, TraceIdDep
from pixforge.api.envelope import success
from pixforge.api.v2.schemas.catalogue import SpeakerListResponse, TemplateListResponse

router = APIRouter()


@router.get("/video/lip_sync/tts_list")
def tts_list(
    request: Request, state: StateDep, _caller: CallerDep, _trace_id: TraceIdDep
) -> dict[str, Any]:
    query = request.query_params
    page = state.catalogue.speakers(query.get("page_num"), query.get("page_size"))
    return success(SpeakerListResponse.from_page(page).model_dump())


@router.get("/video/effects/templates/list")
def templates_list(
    request: Request, state: StateDep, _caller: CallerDep, _trace_id: TraceIdDep
) -> dict[str, Any]:
    query = request.query_params
    page = state.catalogue.templates_page(
        query.get("type"), query.get("page"), query.get("pageSize")
    )
    return success(TemplateListResponse.from_page(page).model_dump())
