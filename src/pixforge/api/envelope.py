"""The PixVerse envelope {ErrCode, ErrMsg, Resp} and the only code that builds error bodies."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse as _StarletteJSON
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Send

from pixforge.domain.errors import (
    BindingError,
    InternalError,
    InvalidParameterError,
    MissingParameterError,
    PixforgeError,
    RateLimitError,
    UnknownEndpointError,
)

log = logging.getLogger(__name__)

# pydantic error types that mean "the value has the wrong type or cannot be parsed" (400013);
# "missing" is 400011 and every other type is a semantic rule (400017).
_BINDING_TYPES = frozenset(
    {
        "json_invalid",
        "json_type",
        "model_type",
        "model_attributes_type",
        "dict_type",
        "list_type",
        "int_type",
        "int_parsing",
        "int_from_float",
        "float_type",
        "float_parsing",
        "bool_type",
        "bool_parsing",
        "string_type",
        "bytes_type",
        "is_instance_of",
    }
)


class JSONResponse(_StarletteJSON):
    """JSON answers encoded with orjson (several times faster than the standard encoder; the
    same compact UTF-8 JSON). The app's default response class (app.py)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


_JSON_TYPE = (b"content-type", b"application/json")


async def send_json(send: Send, content: Any) -> None:
    """A 200 JSON answer straight to the ASGI server, as JSONResponse would send it (for the hot
    routes, which build no response object)."""
    body = orjson.dumps(content)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode()), _JSON_TYPE],
        }
    )
    await send({"type": "http.response.body", "body": body})


def success(resp: Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
    return {"ErrCode": 0, "ErrMsg": "success", "Resp": resp}


def error_body(error: PixforgeError) -> dict[str, Any]:
    """An error answer: `Resp` is null, because ComfyUI's PixVerse client shows `ErrMsg` only
    when `Resp` is null or absent (docs/spec-notes.md, Transport)."""
    return {"ErrCode": error.err_code, "ErrMsg": error.message, "Resp": None}


def error_response(error: PixforgeError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if isinstance(error, RateLimitError):
        headers["Retry-After"] = str(max(1, round(error.retry_after_s + 0.5)))
    return JSONResponse(error_body(error), status_code=error.http_status, headers=headers)


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "request body"


def from_validation_errors(errors: Sequence[Mapping[str, Any]]) -> PixforgeError:
    """The first pydantic error, translated to the PixVerse code and a message naming the field."""
    if not errors:
        return BindingError("request body could not be read")
    first = errors[0]
    kind = str(first.get("type", ""))
    field = _field_name(first.get("loc", ()))
    if kind == "missing":
        return MissingParameterError(f"{field} is required")
    if kind in ("json_invalid", "json_type"):
        return BindingError("request body is not valid JSON")
    if kind in ("model_attributes_type", "model_type", "dict_type") and field == "request body":
        return BindingError("request body must be a JSON object")
    message = str(first.get("msg", "invalid value"))
    if kind in _BINDING_TYPES:
        return BindingError(f"{field}: {message}")
    return InvalidParameterError(f"{field}: {message}")


def from_pydantic(error: ValidationError) -> PixforgeError:
    return from_validation_errors(error.errors(include_url=False))


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path, for a 405's `Allow` (Starlette names only
    the first route that matched the path, and GET and HEAD of /files are two routes)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)


def install_exception_handlers(app: FastAPI) -> None:
    async def on_pixforge_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, PixforgeError)
        request.state.err_code = error.err_code
        return error_response(error)

    async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        wrapped = from_validation_errors(error.errors())
        request.state.err_code = wrapped.err_code
        return error_response(wrapped)

    async def on_http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        wrapped: PixforgeError
        headers: dict[str, str] = {}
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or (error.headers or {}).get("Allow", "")
            wrapped = UnknownEndpointError(
                f"method {request.method} is not allowed on {request.url.path}", 405
            )
        elif error.status_code == 404:
            wrapped = UnknownEndpointError(
                f"unknown endpoint: {request.method} {request.url.path}", 404
            )
        else:
            wrapped = InvalidParameterError(str(error.detail))
            wrapped.http_status = error.status_code
        request.state.err_code = wrapped.err_code
        return error_response(wrapped, headers)

    async def on_unhandled_error(request: Request, error: Exception) -> JSONResponse:
        # The last resort inside FastAPI (its server-error layer re-raises the error after this
        # answer; RequestMiddleware, outside FastAPI, logs it).
        wrapped = InternalError("internal error; it has been logged")
        request.state.err_code = wrapped.err_code
        return error_response(wrapped)

    app.add_exception_handler(PixforgeError, on_pixforge_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unhandled_error)
