"""Assembles /openapi/v2 from the resource route modules."""

from __future__ import annotations

from fastapi import APIRouter

from pixforge.api.v2 import account, catalogue, features, generate, image, media, video

router = APIRouter(prefix="/openapi/v2")
router.include_router(account.router)
router.include_router(media.router)
router.include_router(generate.router)
router.include_router(video.router)
router.include_router(catalogue.router)
router.include_router(features.router)
router.include_router(image.router)
