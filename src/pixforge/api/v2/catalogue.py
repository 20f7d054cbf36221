"""Routes: the read-only lists (TTS speakers, restyle looks, effect templates)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from pixforge.api.deps import CallerDep, StateDep, TraceIdDep
from pixforge.api.envelope import success
from pixforge.api.openapi import envelope_responses, query_parameters
from pixforge.api.v2.schemas.catalogue import (
    RestyleItem,
    RestyleListResponse,
    SpeakerListResponse,
    TemplateListResponse,
)
from pixforge.domain.errors import BindingError
from pixforge.services.idempotency import load_json

router = APIRouter(tags=["catalogues"])


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

# Read by the routes themselves (digit strings, 400013 otherwise), so declared for the docs only.
_PAGING = query_parameters(
    ("page_num", {"type": "integer", "minimum": 1}, "Page, from 1 (default 1)"),
    ("page_size", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page (30)"),
)


@router.get(
    "/video/lip_sync/tts_list",
    summary="Lip-sync TTS speakers",
    response_model=None,
    responses=envelope_responses(SpeakerListResponse),
    openapi_extra=_PAGING,
)
def tts_list(
    state: StateDep, _caller: CallerDep, _trace_id: TraceIdDep, paging: PagingDep
) -> dict[str, Any]:
    page = state.catalogue.speakers(paging.get("page_num"), paging.get("page_size"))
    return success(SpeakerListResponse.from_page(page).model_dump())


@router.get(
    "/video/restyle/list",
    summary="Restyle looks",
    response_model=None,
    responses=envelope_responses(RestyleListResponse),
    openapi_extra=_PAGING,
)
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


@router.get(
    "/video/effects/templates/list",
    summary="Effect templates",
    response_model=None,
    responses=envelope_responses(TemplateListResponse),
    openapi_extra=query_parameters(
        ("type", {"type": "integer", "enum": [1, 2]}, "1 video templates, 2 image templates"),
        ("page", {"type": "integer", "minimum": 1}, "Page, from 1 (default 1)"),
        ("pageSize", {"type": "integer", "enum": [10, 20, 50, 100]}, "Items per page (50)"),
    ),
)
def templates_list(
    request: Request, state: StateDep, _caller: CallerDep, _trace_id: TraceIdDep
) -> dict[str, Any]:
    query = request.query_params
    page = state.catalogue.templates_page(
        query.get("type"), query.get("page"), query.get("pageSize")
    )
    return success(TemplateListResponse.from_page(page).model_dump())
