"""Routes: POST /openapi/v2/image/upload and /openapi/v2/media/upload."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from pixforge.api.deps import CallerDep, StateDep, TraceIdDep
from pixforge.api.envelope import success
from pixforge.api.openapi import envelope_responses, upload_request_body
from pixforge.api.v2.schemas.media import ImageUploadResponse, MediaUploadResponse
from pixforge.domain.errors import (
    BindingError,
    ImageUrlError,
    InvalidParameterError,
    PixforgeError,
)
from pixforge.services.idempotency import load_json
from pixforge.services.uploads import ImageUpload

router = APIRouter(tags=["uploads"])


@dataclass(frozen=True, slots=True)
class UploadInput:
    """A file part and/or a URL field, plus the request's fingerprint for trace-id replay."""

    data: bytes | None
    url: str | None
    fingerprint: str
    # The file part's name (a sandbox account's magic tokens may be in it).
    name: str = ""


async def _read_upload(request: Request, file_field: str, url_field: str) -> UploadInput:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: bytes | None = None
    url: str | None = None
    name = ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_files=4, max_fields=50)
        except (PixforgeError, ClientDisconnect):
            raise
        except Exception as error:  # the multipart parser raises several unrelated types
            raise BindingError(f"request body: malformed form data ({error})") from error
        try:
            part = form.get(file_field)
            if isinstance(part, UploadFile):
                data = await part.read()
                name = part.filename or ""
            elif isinstance(part, str) and part:
                raise BindingError(f"{file_field}: must be a file part, not a text field")
            raw_url = form.get(url_field)
            if isinstance(raw_url, UploadFile):
                raise BindingError(f"{url_field}: must be a text field, not a file")
            url = raw_url.strip() if raw_url else None
        finally:
            await form.close()
    elif content_type == "application/json":
        body = load_json(await request.body())
        if not isinstance(body, dict):
            raise BindingError("request body must be a JSON object")
        raw = body.get(url_field)
        if raw is not None and not isinstance(raw, str):
            raise BindingError(f"{url_field}: must be a string")
        url = raw.strip() if raw else None
    else:
        raise BindingError(
            "request body must be multipart/form-data, application/x-www-form-urlencoded or JSON"
        )
    if url:
        _check_url_syntax(url_field, url)
    digest = hashlib.sha256(request.url.path.encode() + b"\x00")
    digest.update(hashlib.sha256(data).digest() if data is not None else b"-")
    digest.update((url or "").encode())
    return UploadInput(data=data, url=url, fingerprint=digest.hexdigest(), name=name)


def _check_url_syntax(field: str, url: str) -> None:
    """Refuse a URL that cannot even be parsed (`http://[::1`), which the fetcher's parser
    would raise on: image_url answers 500042 as PixVerse does, file_url 400017."""
    try:
        urlsplit(url)
    except ValueError as error:
        message = f"{field}: {url[:100]!r} is not a valid URL ({error})"
        raise (
            ImageUrlError(message) if field == "image_url" else InvalidParameterError(message)
        ) from error


async def image_input(request: Request, _trace_id: TraceIdDep) -> UploadInput:
    return await _read_upload(request, "image", "image_url")


async def media_input(request: Request, _trace_id: TraceIdDep) -> UploadInput:
    return await _read_upload(request, "file", "file_url")


@router.post(
    "/image/upload",
    summary="Upload an image (PNG, JPEG or WebP)",
    response_model=None,
    responses=envelope_responses(ImageUploadResponse),
    openapi_extra=upload_request_body("image", "image_url", "image"),
)
async def upload_image(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    upload: Annotated[UploadInput, Depends(image_input)],
) -> dict[str, Any]:
    if caller.sandbox:
        await run_in_threadpool(state.sandbox.on_upload, caller, [upload.name, upload.url or ""])
    stored = await run_in_threadpool(
        state.uploads.upload_image,
        caller,
        trace_id,
        upload.fingerprint,
        ImageUpload(data=upload.data, url=upload.url),
    )
    return success(ImageUploadResponse(img_id=stored.upload_id, img_url=stored.url).model_dump())


@router.post(
    "/media/upload",
    summary="Upload a video or audio file",
    response_model=None,
    responses=envelope_responses(MediaUploadResponse),
    openapi_extra=upload_request_body("file", "file_url", "video or audio"),
)
async def upload_media(
    state: StateDep,
    caller: CallerDep,
    trace_id: TraceIdDep,
    upload: Annotated[UploadInput, Depends(media_input)],
) -> dict[str, Any]:
    if caller.sandbox:
        await run_in_threadpool(state.sandbox.on_upload, caller, [upload.name, upload.url or ""])
    stored = await run_in_threadpool(
        state.uploads.upload_media, caller, trace_id, upload.fingerprint, upload.data, upload.url
    )
    return success(
        MediaUploadResponse(
            media_id=stored.upload_id, media_type=stored.kind, url=stored.url
        ).model_dump()
    )
