"""The OpenAPI document: request bodies, envelopes, the API-KEY scheme and Ai-trace-id as served.

The routes parse their bodies themselves (deps.JsonBody, the upload readers), after the API key
and the trace id are checked, because PixVerse's order of checks (10001 before 400011 before
400013) and its error codes are not FastAPI's. So FastAPI never sees a body parameter; each route
describes its body in `openapi_extra` with the helpers below, and `build_openapi` finishes the
document: it moves request models into `components/schemas`, drops the 422 answer FastAPI adds
for declared parameters (it is never sent: validation errors answer in the envelope) and states
whether Ai-trace-id is required.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from pixforge.api.v2.schemas.common import Envelope, ErrorEnvelope

SCHEMA_REF = "#/components/schemas/{model}"

API_DESCRIPTION = (
    "Every `/openapi/v2` call needs the `API-KEY` header and a new UUID in `Ai-trace-id`"
    " (re-sending a trace id replays the first answer). Answers are `{ErrCode, ErrMsg, Resp}`:"
    " ErrCode 0 with the answer in `Resp`, or a PixVerse error code with `Resp` null, on HTTP"
    " 200."
)

# What every API route may answer besides its own success (all in the envelope).
_ERROR_ANSWERS = (
    "An error in the envelope: HTTP 404 unknown path, 405 wrong method (with Allow), "
    "413 body over the limit, 500 internal fault (500100, a bug)."
)


def envelope_responses(resp_model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route answering `resp_model` in the envelope (HTTP 200 carries the
    business errors too, with Resp null)."""
    return {
        200: {
            "model": Envelope[resp_model] | ErrorEnvelope,  # type: ignore[valid-type]
            "description": (
                "ErrCode 0 with the answer in Resp, or a PixVerse error code with Resp null"
            ),
        },
        "default": {"model": ErrorEnvelope, "description": _ERROR_ANSWERS},
    }


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a JSON body validated by `model` (moved into components later)."""
    schema = model.model_json_schema(ref_template=SCHEMA_REF, mode="validation")
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


def upload_request_body(file_field: str, url_field: str, what: str) -> dict[str, Any]:
    """`openapi_extra` for an upload: a file part or a URL, in any of the three encodings
    PixVerse's clients use."""
    url = {"type": "string", "description": f"URL of the {what} to download (http or https)"}
    as_url = {"type": "object", "properties": {url_field: url}}
    return {
        "requestBody": {
            "required": True,
            "description": f"Exactly one of `{file_field}` (a file part) and `{url_field}`.",
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            file_field: {
                                "type": "string",
                                "format": "binary",
                                "description": f"The {what} file",
                            },
                            url_field: url,
                        },
                    }
                },
                "application/x-www-form-urlencoded": {"schema": as_url},
                "application/json": {"schema": as_url},
            },
        }
    }


def query_parameters(*parameters: tuple[str, dict[str, Any], str]) -> dict[str, Any]:
    """`openapi_extra` for query parameters the route reads itself: (name, schema, description)."""
    return {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
            for name, schema, text in parameters
        ]
    }


def build_openapi(app: FastAPI, *, trace_id_required: bool) -> dict[str, Any]:
    """FastAPI's document for `app`, finished as the module docstring says."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            operation.get("responses", {}).pop("422", None)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header" and parameter["name"].lower() == "ai-trace-id":
                    parameter["required"] = trace_id_required
                    parameter["schema"] = {"type": "string", "format": "uuid"}
            body = operation.get("requestBody", {})
            for media in body.get("content", {}).values():
                media["schema"] = _as_component(media["schema"], schemas)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def _as_component(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """A pydantic model's schema moved into components (with the models it nests); a $ref to it
    is left in its place."""
    for name, nested in schema.pop("$defs", {}).items():
        schemas.setdefault(name, nested)
    title = schema.get("title")
    if not title or "properties" not in schema:
        return schema
    schemas.setdefault(title, schema)
    return {"$ref": SCHEMA_REF.format(model=title)}
