"""Wire models of the upload endpoints (multipart, urlencoded or JSON bodies)."""

from __future__ import annotations

from pydantic import BaseModel


class ImageUploadResponse(BaseModel):
    img_id: int
    img_url: str


class MediaUploadResponse(BaseModel):
    media_id: int
    media_type: str
    url: str
