"""Routes: the read-only lists (TTS speakers, restyle looks, effect templates)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from pixforge.api.deps import CallerDep, StateDep, TraceIdDep
from pixforge.api.envelope import success
from pixforge.api.v2.schemas.catalogue import (
    RestyleItem,
    RestyleListResponse,
    SpeakerListResponse,
    TemplateListResponse,
)
from pixforge.domain.errors import BindingError
from pixforge.services.idempotency import load_json

router = APIRouter()


async def _paging(request: Request) -> dict[str, str]:
    """page_num / page_size from the query string, or from a JSON body (one PixVerse guide
    sends them that way on this GET)."""
    values = {k: v for k, v in request.query_params.items() if k in ("page_num", "page_size")}
    raw = await request.body()
    if raw.strip():
        try:
            parsed = load_json(raw)
        except BindingError:  # not JSON (or absurdly nested): the body is not paging then
            parsed = None
        if isinstance(parsed, dict):
            for key in ("page_num", "page_size"):
                if key in parsed and key not in values and parsed[key] is not None:
                    values[key] = str(parsed[key])
    return values


PagingDep = Annotated[dict[str, str], Depends(_paging)]


@router.get("/video/lip_sync/tts_list")
def tts_list(
    state: StateDep, _caller: CallerDep, _trace_id: TraceIdDep, paging: PagingDep
) -> dict[str, Any]:
    page = state.catalogue.speakers(paging.get("page_num"), paging.get("page_size"))
    return success(SpeakerListResponse.from_page(page).model_dump())


@router.get("/video/restyle/list")
def restyle_list(
    state: StateDep, _caller: CallerDep, _trace_id: TraceIdDep, paging: PagingDep
) -> dict[str, Any]:
    page = state.catalogue.restyles(paging.get("page_num"), paging.get("page_size"))
    items = [
        RestyleItem(
            restyle_id=entry.restyle.restyle_id,
            restyle_name=entry.restyle.name,
            restyle_prompt=entry.restyle.prompt,
            cover_url=entry.cover_url,
        )
        for entry in page.items
    ]
    return success(RestyleListResponse(total=page.total, data=items).model_dump())


@router.get("/video/effects/templates/list")
def templates_list(
    request: Request, state: StateDep, _caller: CallerDep, _trace_id: TraceIdDep
) -> dict[str, Any]:
    query = request.query_params
    page = state.catalogue.templates_page(
        query.get("type"), query.get("page"), query.get("pageSize")
    )
    return success(TemplateListResponse.from_page(page).model_dump())
