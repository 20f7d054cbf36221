"""The console's pages and fragments at /console: sign-in, playground, gallery, usage,
webhooks and the operator view. Each handler reads a form or the query, calls a service (the
ones behind the API, with the API's request models), and renders a template."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.staticfiles import StaticFiles

from pixforge.console import forms, wire
from pixforge.console.session import Signer, digest, new_session, same_token
from pixforge.console.web import (
    BASE,
    CsrfRefusedError,
    Ctx,
    SignInNeededError,
    account_context,
    checked_form,
    context,
    csrf_answer,
    operator_context,
    set_cookie,
    sign_in_answer,
)
from pixforge.domain.errors import InvalidParameterError, PixforgeError
from pixforge.domain.sandbox import JournalFilter, Timing, TimingMode
from pixforge.domain.spec import Mode
from pixforge.services.accounts import key_hash
from pixforge.services.generations import GenerationView
from pixforge.services.uploads import ImageUpload
from pixforge.store.generations import GenerationFilter
from pixforge.values import MODEL_RULES, MODELS, QUALITIES

PAGE_SIZE = 24
STATIC = Path(__file__).parent / "static"
router = APIRouter(prefix=BASE, include_in_schema=False)


def _form_text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _relative(ctx: Ctx, url: str) -> str:
    """A file URL on this server as a path, so the page plays it from its own origin."""
    public = ctx.state.settings.resolved_public_url
    return url[len(public) :] if url.startswith(public + "/") else url


def _view(ctx: Ctx, video_id: int) -> GenerationView:
    row = ctx.state.generations.hot.generation(video_id)
    image = row is not None and row.mode == Mode.IMAGE_TEMPLATE.value
    return ctx.state.generations.result_of(ctx.caller, video_id, row, image=image)


def _card(ctx: Ctx, view: GenerationView, status_code: int = 200) -> Response:
    return ctx.render("card.html", status_code, g=view, url=_relative(ctx, view.url))


def _error(ctx: Ctx, error: PixforgeError, target: str = "#form-error") -> Response:
    response = ctx.render("error.html", err=error)
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = "innerHTML"
    return response


# -- sign-in


@router.get("", include_in_schema=False)
def console_root() -> Response:
    return RedirectResponse(f"{BASE}/", status_code=307)


@router.get("/login")
def login_page(request: Request) -> Response:
    ctx = context(request)
    for role, check, target in (
        ("account", account_context, f"{BASE}/"),
        ("operator", operator_context, f"{BASE}/operator"),
    ):
        if ctx.session.role != role:
            continue
        try:
            check(request)
        except SignInNeededError:
            # The key was disabled or the token changed: start again, anonymous.
            ctx.session, ctx.fresh = new_session(), True
            break
        return ctx.finish(RedirectResponse(target, status_code=303))
    return ctx.render("login.html", operator=bool(ctx.state.settings.admin_token))


@router.post("/login")
async def login(request: Request) -> Response:
    ctx = context(request)
    form = await checked_form(ctx)
    secret = _form_text(form, "key")
    token = ctx.state.settings.admin_token
    if token and secret and same_token(digest(secret), digest(token)):
        session = new_session("operator", digest(token))
        target = f"{BASE}/operator"
    else:
        try:
            await run_in_threadpool(ctx.state.accounts.authenticate, secret)
        except PixforgeError as error:
            return ctx.render("login.html", 401, operator=bool(token), err=error)
        session = new_session("account", key_hash(secret))
        target = f"{BASE}/"
    # A new session (id and CSRF token) at every sign-in: no planted session survives it.
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, ctx.signer, session)
    ctx.fresh = False
    return ctx.finish(response)


@router.post("/logout")
async def logout(request: Request) -> Response:
    ctx = context(request)
    await checked_form(ctx)
    response = RedirectResponse(f"{BASE}/login", status_code=303)
    set_cookie(request, response, ctx.signer, new_session())
    ctx.fresh = False
    return ctx.finish(response)


# -- playground


def _sources(ctx: Ctx) -> list[GenerationView]:
    videos = tuple(m.value for m in Mode if m is not Mode.IMAGE_TEMPLATE)
    where = GenerationFilter(statuses=(1,), modes=videos)
    return ctx.state.generations.list_generations(ctx.caller, where, 1, 20).items


@router.get("/")
def playground(request: Request, mode: str = "text") -> Response:
    ctx = account_context(request)
    try:
        chosen = Mode(mode)
    except ValueError:
        chosen = Mode.TEXT
    activated = ctx.state.operator.activated_templates(ctx.account_id)
    image_templates = [
        ctx.state.catalogue.templates[t]
        for t in activated
        if t in ctx.state.catalogue.templates and ctx.state.catalogue.templates[t].kind == "image"
    ]
    recent = ctx.state.generations.list_generations(ctx.caller, GenerationFilter(), 1, 6).items
    return ctx.render(
        "playground.html",
        page="playground",
        forms=forms.FORMS,
        form=forms.FORMS[chosen],
        sources=_sources(ctx),
        image_templates=image_templates,
        recent=recent,
        relative=lambda url: _relative(ctx, url),
        rules_json=json.dumps(
            {
                name: {
                    "durations": sorted(r.durations_s),
                    "durations1080": sorted(r.durations_1080p_s),
                    "aspects": list(r.aspect_ratios),
                    "fast": r.fast_motion,
                    "camera": r.camera_movement,
                }
                for name, r in MODEL_RULES.items()
            }
        ),
    )


@router.post("/generate/{mode}")
async def generate(request: Request, mode: str) -> Response:
    ctx = account_context(request)
    form_data = await checked_form(ctx)
    try:
        chosen = Mode(mode)
    except ValueError:
        return _error(ctx, InvalidParameterError(f"mode: {mode!r} is not a generation type"))
    form = forms.FORMS[chosen]
    data = {k: v for k, v in form_data.items() if isinstance(v, str)}
    try:
        body = forms.payload(form, data)
        spec = forms.to_request(form, body).to_spec()
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        video_id = await run_in_threadpool(
            ctx.state.generations.submit, ctx.caller, str(uuid.uuid4()), fingerprint, spec
        )
        view = _view(ctx, video_id)
    except PixforgeError as error:
        return _error(ctx, error)
    response = _card(ctx, view)
    response.headers["HX-Trigger"] = "generated"
    return response


@router.post("/upload/{kind}")
async def upload(request: Request, kind: str) -> Response:
    """A dropped file: stored by the upload service; answers its id (JSON, for console.js)."""
    ctx = account_context(request)
    form = await checked_form(ctx, files=True)
    try:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            return ctx.finish(JSONResponse({"code": 400011, "message": "file is required"}))
        data = await part.read()
    finally:
        await form.close()
    trace_id = str(uuid.uuid4())
    fingerprint = hashlib.sha256(kind.encode() + b"\0" + data).hexdigest()
    try:
        if kind == "image":
            image = await run_in_threadpool(
                ctx.state.uploads.upload_image,
                ctx.caller,
                trace_id,
                fingerprint,
                ImageUpload(data=data, url=None),
            )
            answer = {"id": image.upload_id, "url": _relative(ctx, image.url), "kind": "image"}
        else:
            media = await run_in_threadpool(
                ctx.state.uploads.upload_media, ctx.caller, trace_id, fingerprint, data, None
            )
            answer = {"id": media.upload_id, "url": _relative(ctx, media.url), "kind": media.kind}
    except PixforgeError as error:
        return ctx.finish(JSONResponse({"code": error.err_code, "message": error.message}))
    return ctx.finish(JSONResponse({"code": 0, **answer}))


@router.post("/masks")
async def masks(request: Request) -> Response:
    """The swap's mask selection for the chosen source video (the mask service)."""
    ctx = account_context(request)
    form = await checked_form(ctx)
    source = _form_text(form, "source")
    video_id = int(source[2:]) if source.startswith("v:") and source[2:].isdigit() else None
    media_id = int(source[2:]) if source.startswith("m:") and source[2:].isdigit() else None
    try:
        selection = await run_in_threadpool(
            ctx.state.masks.select,
            ctx.caller,
            str(uuid.uuid4()),
            str(uuid.uuid4()),
            video_id,
            media_id,
            None,
        )
    except PixforgeError as error:
        return _error(ctx, error, "#masks-error")
    return ctx.render("masks.html", selection=selection, relative=lambda u: _relative(ctx, u))


# -- one generation


@router.get("/generations/{video_id}/card")
def card(request: Request, video_id: int) -> Response:
    ctx = account_context(request)
    try:
        return _card(ctx, _view(ctx, video_id))
    except PixforgeError as error:
        return _error(ctx, error, f"#card-{video_id}")


@router.post("/generations/cancel-all")
async def cancel_all(request: Request) -> Response:
    """Cancel every generation of the account's still waiting or running (the queue panel)."""
    ctx = account_context(request)
    await checked_form(ctx)
    count = await run_in_threadpool(ctx.state.generations.cancel_all, ctx.caller)
    return ctx.finish(RedirectResponse(f"{BASE}/gallery?cancelled={count}", status_code=303))


@router.post("/generations/{video_id}/{action}")
async def act(request: Request, video_id: int, action: str) -> Response:
    ctx = account_context(request)
    await checked_form(ctx)
    generations = ctx.state.generations
    try:
        if action == "cancel":
            await run_in_threadpool(generations.cancel, ctx.caller, video_id)
        elif action == "delete":
            await run_in_threadpool(generations.delete_own, ctx.caller, video_id)
        elif action == "rerun":
            new_id = await run_in_threadpool(
                generations.rerun, ctx.caller, video_id, str(uuid.uuid4())
            )
            response = _card(ctx, _view(ctx, new_id))
            response.headers["HX-Retarget"] = "#jobs"
            response.headers["HX-Reswap"] = "afterbegin"
            return response
        else:
            raise InvalidParameterError(f"action: {action!r} is not known")
        return _card(ctx, _view(ctx, video_id))
    except PixforgeError as error:
        return _error(ctx, error, f"#card-{video_id} .card-error")


@router.get("/generations/{video_id}/copy")
def copy_as(request: Request, video_id: int) -> Response:
    ctx = account_context(request)
    try:
        spec = ctx.state.generations.spec_of(ctx.caller, video_id)
    except PixforgeError as error:
        return _error(ctx, error, f"#card-{video_id} .card-error")
    base_url = ctx.state.settings.resolved_public_url
    return ctx.render(
        "copy.html",
        video_id=video_id,
        curl=wire.curl_command(base_url, spec),
        sdk=wire.sdk_snippet(base_url, spec),
        cli=wire.cli_command(base_url, spec),
    )


# -- gallery


def _day(text: str, end: bool = False) -> float | None:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return (day + timedelta(days=1) if end else day).timestamp()


@router.get("/gallery")
def gallery(
    request: Request,
    page: int = 1,
    status: str = "",
    mode: str = "",
    model: str = "",
    start: str = "",
    end: str = "",
) -> Response:
    ctx = account_context(request)
    where = GenerationFilter(
        statuses=(int(status),) if status.isdigit() else (),
        modes=(mode,) if mode else (),
        models=(model,) if model else (),
        created_from=_day(start),
        created_to=_day(end, end=True),
    )
    page = max(1, page)
    listing = ctx.state.generations.list_generations(ctx.caller, where, page, PAGE_SIZE)
    waiting = ctx.state.generations.list_generations(
        ctx.caller, GenerationFilter(statuses=(5,)), 1, 1
    ).total
    pages = max(1, -(-listing.total // PAGE_SIZE))
    query = {"status": status, "mode": mode, "model": model, "start": start, "end": end}
    return ctx.render(
        "gallery.html",
        page="gallery",
        listing=listing,
        pages=pages,
        query=query,
        query_string="&".join(f"{k}={v}" for k, v in query.items() if v),
        waiting=waiting,
        cancelled=request.query_params.get("cancelled"),
        modes=[m.value for m in Mode],
        models=MODELS,
        relative=lambda url: _relative(ctx, url),
    )


# -- usage


@router.get("/usage")
def usage(request: Request) -> Response:
    ctx = account_context(request)
    balance = ctx.state.accounts.balance(ctx.account_id)
    lines = ctx.state.accounts.ledger(ctx.account_id)
    per_mode: dict[str, int] = defaultdict(int)
    per_day: dict[str, int] = defaultdict(int)
    for line in lines:
        spent = -(line.entry.delta_monthly + line.entry.delta_package)
        if line.entry.kind == "grant":
            continue
        per_mode[line.mode or "other"] += spent
        per_day[datetime.fromtimestamp(line.entry.created_at, UTC).strftime("%Y-%m-%d")] += spent
    today = datetime.now(UTC).date()
    days = [(today - timedelta(days=n)).isoformat() for n in range(29, -1, -1)]
    chart = [(day, per_day.get(day, 0)) for day in days]
    return ctx.render(
        "usage.html",
        page="usage",
        balance=balance,
        lines=lines[:200],
        per_mode=sorted(per_mode.items(), key=lambda item: -item[1]),
        chart=chart,
        chart_max=max([1, *(v for _, v in chart)]),
    )


# -- webhooks


@router.get("/webhooks")
def webhooks(request: Request) -> Response:
    ctx = account_context(request)
    return _webhooks_page(ctx)


def _webhooks_page(ctx: Ctx, **values: Any) -> Response:
    return ctx.render(
        "webhooks.html",
        page="webhooks",
        hooks=ctx.state.operator.webhooks(ctx.account_id),
        deliveries=ctx.state.operator.account_deliveries(ctx.account_id),
        **values,
    )


@router.post("/webhooks")
async def create_webhook(request: Request) -> Response:
    ctx = account_context(request)
    form = await checked_form(ctx)
    try:
        hook = await run_in_threadpool(
            ctx.state.operator.create_webhook,
            ctx.account_id,
            _form_text(form, "url"),
            _form_text(form, "default") == "on",
        )
    except PixforgeError as error:
        return _webhooks_page(ctx, err=error)
    return _webhooks_page(ctx, created=hook)


@router.post("/webhooks/deliveries/{delivery_id}/replay")
async def replay(request: Request, delivery_id: int) -> Response:
    ctx = account_context(request)
    await checked_form(ctx)
    try:
        ctx.state.operator.replay_account_delivery(ctx.account_id, delivery_id)
    except PixforgeError as error:
        return _webhooks_page(ctx, err=error)
    return _webhooks_page(ctx, notice=f"Delivery {delivery_id} queued again.")


# -- sandbox (sandbox accounts only: scripted outcomes, timing, clock, journal)


def _sandbox_page(ctx: Ctx, status_code: int = 200, **values: Any) -> Response:
    sandbox = ctx.state.sandbox
    try:
        state = sandbox.state(ctx.account_id)
    except PixforgeError as error:
        return ctx.render("sandbox.html", 404, page="sandbox", not_sandbox=error)
    path = ctx.request.query_params.get("path") or None
    code = ctx.request.query_params.get("err_code", "")
    where = JournalFilter(path=path, err_code=int(code) if code.lstrip("-").isdigit() else None)
    return ctx.render(
        "sandbox.html",
        status_code,
        page="sandbox",
        state=state,
        journal=sandbox.journal(ctx.account_id, where, 100),
        modes=[m.value for m in Mode],
        timing_modes=[t.value for t in TimingMode],
        query={"path": path or "", "err_code": code},
        **values,
    )


@router.get("/sandbox")
def sandbox_page(request: Request) -> Response:
    return _sandbox_page(account_context(request))


@router.post("/sandbox/{action}")
async def sandbox_action(request: Request, action: str) -> Response:
    ctx = account_context(request)
    form = await checked_form(ctx)
    sandbox = ctx.state.sandbox
    account_id = ctx.account_id

    def number(name: str, default: float = 0.0) -> float:
        text = _form_text(form, name)
        try:
            return float(text) if text else default
        except ValueError:
            raise InvalidParameterError(f"{name}: {text!r} is not a number") from None

    try:
        if action == "steps":
            times = _form_text(form, "times")
            step = await run_in_threadpool(
                lambda: sandbox.push_step(
                    account_id,
                    _form_text(form, "directive"),
                    mode=_form_text(form, "mode") or None,
                    times=None if times in ("", "every") else int(number("times")),
                )
            )
            notice = f"Step {step.id} queued: {step.directive}"
        elif action == "clear-steps":
            notice = f"{await run_in_threadpool(sandbox.clear_steps, account_id)} steps removed."
        elif action == "timing":
            try:
                mode = TimingMode(_form_text(form, "mode"))
            except ValueError:
                raise InvalidParameterError("mode: not a timing mode") from None
            timing = Timing(mode, number("seconds"), int(number("polls")), int(number("seed")))
            await run_in_threadpool(sandbox.set_timing, account_id, timing)
            notice = f"Timing set to {mode.value}."
        elif action == "advance":
            offset = await run_in_threadpool(sandbox.advance_clock, account_id, number("seconds"))
            notice = f"The clock is {offset:g} s ahead."
        elif action == "clear-journal":
            await run_in_threadpool(sandbox.clear_journal, account_id)
            notice = "Journal cleared."
        elif action == "reset":
            await run_in_threadpool(sandbox.reset, account_id)
            notice = "The account was reset."
        else:
            raise InvalidParameterError(f"action: {action!r} is not known")
    except PixforgeError as error:
        return _sandbox_page(ctx, err=error)
    return _sandbox_page(ctx, notice=notice)


# -- operator


def _operator_page(ctx: Ctx, **values: Any) -> Response:
    state = ctx.state
    accounts = state.accounts.list_accounts()
    keys = state.accounts.list_keys()
    workers: dict[str, list[int]] = defaultdict(list)
    for generation_id, owner in state.operator.leases():
        workers[owner].append(generation_id)
    return ctx.render(
        "operator.html",
        page="operator",
        accounts=accounts,
        keys=keys,
        templates=sorted(state.catalogue.templates.values(), key=lambda t: t.template_id),
        activations={a.id: state.operator.activated_templates(a.id) for a in accounts},
        routes=state.operator.queue_by_route(),
        depth=state.generations.queue_depth(),
        workers=sorted(workers.items()),
        models=sorted(state.model_loads().items()),
        failures=state.operator.recent_failures(),
        engine=state.settings.engine,
        worker_threads=state.settings.workers,
        qualities=QUALITIES,
        **values,
    )


@router.get("/operator")
def operator(request: Request) -> Response:
    return _operator_page(operator_context(request))


@router.post("/operator/{action}")
async def operator_action(request: Request, action: str) -> Response:
    ctx = operator_context(request)
    form = await checked_form(ctx)
    accounts = ctx.state.accounts

    def number(name: str, default: int = 0) -> int:
        text = _form_text(form, name)
        try:
            return int(text) if text else default
        except ValueError:
            raise InvalidParameterError(f"{name}: {text!r} is not an integer") from None

    try:
        if action == "accounts":
            row = await run_in_threadpool(
                accounts.create_account,
                _form_text(form, "name") or "unnamed",
                number("monthly"),
                number("package"),
            )
            return _operator_page(ctx, notice=f"Account {row.name} ({row.id}) created.")
        if action == "keys":
            key_row, secret = await run_in_threadpool(
                accounts.create_api_key, number("account_id"), _form_text(form, "name")
            )
            return _operator_page(ctx, new_key=secret, new_key_row=key_row)
        if action == "disable-key":
            await run_in_threadpool(accounts.set_key_disabled, number("key_id"), True)
            return _operator_page(ctx, notice=f"Key {number('key_id')} disabled.")
        if action == "grants":
            row = await run_in_threadpool(
                accounts.grant_credits, number("account_id"), number("monthly"), number("package")
            )
            return _operator_page(
                ctx,
                notice=f"Account {row.id}: {row.credit_monthly} monthly, "
                f"{row.credit_package} package.",
            )
        if action == "templates":
            added = await run_in_threadpool(
                ctx.state.operator.activate_templates,
                number("account_id"),
                [number("template_id")],
            )
            return _operator_page(
                ctx, notice=f"Template activated: {', '.join(map(str, added)) or 'already'}."
            )
        raise InvalidParameterError(f"action: {action!r} is not known")
    except PixforgeError as error:
        return _operator_page(ctx, err=error)


def install(app: FastAPI, signer_secret: bytes) -> None:
    """Mount the console, its assets and its error answers on `app`."""
    app.state.console_signer = Signer(signer_secret)
    app.include_router(router)
    app.mount(f"{BASE}/static", StaticFiles(directory=STATIC), name="console-static")

    async def _sign_in(request: Request, _: Exception) -> Response:
        return sign_in_answer(request)

    async def _csrf(request: Request, _: Exception) -> Response:
        return csrf_answer(request)

    app.add_exception_handler(SignInNeededError, _sign_in)
    app.add_exception_handler(CsrfRefusedError, _csrf)
