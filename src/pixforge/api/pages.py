"""Routes for people: GET / (links to the console and the API docs), /docs (Swagger UI served
from the package, no CDN)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from pixforge import __version__

# Swagger UI 5.31.0 from the pinned `swagger-ui-bundle-v2` package (pyproject.toml), so /docs
# works offline and supports OpenAPI 3.1.
SWAGGER_ASSETS = "/docs/assets"

router = APIRouter(include_in_schema=False)

_CONSOLE_LINK = (
    '<li><a href="/console/">/console</a> &mdash; the web console: playground, gallery, '
    "usage, webhooks, and the operator view</li>\n"
)

_INDEX = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>pixforge</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<main>
<h1>pixforge {__version__}</h1>
<p>A self-hosted server that speaks the PixVerse Platform API at
<code>/openapi/v2/&hellip;</code> (headers <code>API-KEY</code> and <code>Ai-trace-id</code>).</p>
<ul>
{{console}}<li><a href="/docs">/docs</a> &mdash; the API, browsable and callable</li>
<li><a href="/openapi.json">/openapi.json</a> &mdash; the OpenAPI document</li>
<li><a href="/healthz">/healthz</a> &mdash; health and queue depth</li>
</ul>
</main>
</body>
</html>
"""


@router.get("/")
def index(request: Request) -> HTMLResponse:
    console = _CONSOLE_LINK if request.app.state.console_enabled else ""
    return HTMLResponse(_INDEX.replace("{console}", console))


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="pixforge API",
        swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_ASSETS}/favicon-32x32.png",
    )


def install(app: FastAPI, *, console: bool = True) -> None:
    """Add the pages and the Swagger UI assets to `app`."""
    app.state.console_enabled = console
    app.include_router(router)
    assets = Path(str(swagger_ui_bundle.swagger_ui_path))
    app.mount(SWAGGER_ASSETS, StaticFiles(directory=assets), name="swagger-ui")
