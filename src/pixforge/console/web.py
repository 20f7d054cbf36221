"""The console's HTTP plumbing: templates, the session of a request, sign-in checks, CSRF
checks, and the security headers every console answer carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData

from pixforge.console.session import (
    COOKIE,
    SESSION_S,
    Session,
    Signer,
    digest,
    new_session,
    same_token,
)
from pixforge.containers.api import ApiContainer
from pixforge.domain.errors import PixforgeError
from pixforge.services.accounts import Caller

BASE = "/console"
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src * data: blob:; media-src *; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
STATUS_NAMES = {1: "done", 5: "generating", 6: "deleted", 7: "moderated", 8: "failed"}

templates = Environment(
    loader=PackageLoader("pixforge.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


templates.filters["when"] = _when
templates.globals["status_name"] = lambda status: STATUS_NAMES.get(int(status), str(status))
templates.globals["base"] = BASE


class SignInNeededError(Exception):
    """The request needs a session of another role (or any signed-in session)."""


class CsrfRefusedError(Exception):
    """A POST without this session's token, or from another origin."""


@dataclass
class Ctx:
    """A console request: the app state, its session (new when the request had none)."""

    request: Request
    state: ApiContainer
    signer: Signer
    session: Session
    fresh: bool
    who: Caller | None = None
    # A sandbox account (its console shows the sandbox page).
    sandbox: bool = False

    @property
    def caller(self) -> Caller:
        """The signed-in account's caller (account pages only)."""
        assert self.who is not None
        return self.who

    @property
    def account_id(self) -> int:
        return self.caller.account_id

    def render(self, name: str, status_code: int = 200, **values: Any) -> Response:
        html = templates.get_template(name).render(
            session=self.session,
            csrf=self.session.csrf,
            request=self.request,
            sandbox=self.sandbox,
            **values,
        )
        response = HTMLResponse(html, status_code=status_code)
        return self.finish(response)

    def finish(self, response: Response) -> Response:
        secure_headers(response)
        if self.fresh:
            set_cookie(self.request, response, self.signer, self.session)
        return response


def secure_headers(response: Response) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def set_cookie(request: Request, response: Response, signer: Signer, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        signer.dump(session),
        max_age=SESSION_S,
        path=BASE,
        httponly=True,
        samesite="strict",
        # Behind a proxy that terminates TLS, the public URL says https.
        secure="https" in (request.url.scheme, urlsplit(_public_url(request)).scheme),
    )


def _public_url(request: Request) -> str:
    state: ApiContainer = request.app.state.pixforge
    return state.settings.resolved_public_url


def signer_of(request: Request) -> Signer:
    signer: Signer = request.app.state.console_signer
    return signer


def context(request: Request) -> Ctx:
    """The request's session, or a new anonymous one (set as a cookie with the answer)."""
    signer = signer_of(request)
    state: ApiContainer = request.app.state.pixforge
    session = signer.load(request.cookies.get(COOKIE))
    if session is None:
        return Ctx(request, state, signer, new_session(), fresh=True)
    return Ctx(request, state, signer, session, fresh=False)


def account_context(request: Request) -> Ctx:
    """A signed-in account's request; its key is checked as the API checks it."""
    ctx = context(request)
    if ctx.session.role != "account":
        raise SignInNeededError
    try:
        ctx.who = ctx.state.accounts.caller_from(
            ctx.state.accounts.hot.key_grant(ctx.session.secret_hash)
        )
    except PixforgeError as error:
        raise SignInNeededError from error
    try:
        ctx.state.sandbox.require_sandbox(ctx.caller.account_id)
        ctx.sandbox = True
    except PixforgeError:
        ctx.sandbox = False
    return ctx


def operator_context(request: Request) -> Ctx:
    ctx = context(request)
    token = ctx.state.settings.admin_token
    if ctx.session.role != "operator" or not token or ctx.session.secret_hash != digest(token):
        raise SignInNeededError
    return ctx


async def checked_form(ctx: Ctx, *, files: bool = False) -> FormData:
    """The POSTed form, after the CSRF checks: same origin, and this session's token (the
    `csrf` field, or the X-CSRF-Token header that htmx and console.js send)."""
    request = ctx.request
    origin = request.headers.get("origin")
    if origin is not None and origin not in _own_origins(ctx):
        raise CsrfRefusedError
    form = await request.form(max_files=1 if files else 0, max_fields=200)
    sent = form.get("csrf") or request.headers.get("x-csrf-token")
    if ctx.fresh or not isinstance(sent, str) or not same_token(sent, ctx.session.csrf):
        await form.close()
        raise CsrfRefusedError
    return form


def _own_origins(ctx: Ctx) -> set[str]:
    """This server's origins: as the request reached it, and its public URL (behind a proxy
    that terminates TLS, the browser's origin is the public one)."""
    public = urlsplit(ctx.state.settings.resolved_public_url)
    url = ctx.request.url
    return {f"{url.scheme}://{url.netloc}", f"{public.scheme}://{public.netloc}"}


def sign_in_answer(request: Request) -> Response:
    """Where a request without the right session goes: the sign-in page (htmx: by redirect)."""
    if request.headers.get("hx-request"):
        response: Response = Response(status_code=200, headers={"HX-Redirect": f"{BASE}/login"})
    else:
        response = RedirectResponse(f"{BASE}/login", status_code=303)
    secure_headers(response)
    return response


def csrf_answer(request: Request) -> Response:
    html = templates.get_template("refused.html").render(session=None, csrf="", request=request)
    response = HTMLResponse(html, status_code=403)
    secure_headers(response)
    return response
