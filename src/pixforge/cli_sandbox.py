"""Sandbox commands of `pixforge`: `pixforge sandbox ...` (scenario steps, timing, the virtual
clock) and `pixforge journal`, through the admin API of a running server (PIXFORGE_ADMIN_TOKEN),
with the SDK's SandboxAdmin; and the extension commands `pixforge list` and `pixforge cancel`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from pixforge.cli_client import (
    STATUS_NAMES,
    ApiKey,
    AsJson,
    BaseUrl,
    _client,
    _emit,
    console,
    err_console,
    server_url,
)

if TYPE_CHECKING:
    from pixforge.sdk import Sandbox

sandbox_app = typer.Typer(
    no_args_is_help=True,
    help="Script a sandbox account's outcomes on a running server (docs/sandbox.md).",
)

AdminToken = Annotated[
    str | None,
    typer.Option("--admin-token", envvar="PIXFORGE_ADMIN_TOKEN", help="The server's admin token"),
]
AccountId = Annotated[int, typer.Option("--account", help="The sandbox account's id")]


@contextmanager
def _sandbox(base_url: str | None, admin_token: str | None, account_id: int) -> Iterator[Sandbox]:
    from pixforge.sdk import APIError, PixverseError, SandboxAdmin

    if not admin_token:
        err_console.print("[red]error:[/red] pass --admin-token or set PIXFORGE_ADMIN_TOKEN")
        raise typer.Exit(code=2)
    url = server_url(base_url, False)
    admin = SandboxAdmin(url, admin_token)
    try:
        yield admin.sandbox(account_id)
    except APIError as error:
        err_console.print(f"[red]error {error.err_code}:[/red] {escape(error.message)}")
        raise typer.Exit(code=1) from error
    except PixverseError as error:
        err_console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(code=1) from error
    finally:
        admin.close()


@sandbox_app.command("push")
def push(
    directive: Annotated[str, typer.Argument(help='In the token grammar: "err-500044"')],
    account: AccountId,
    mode: Annotated[str | None, typer.Option(help="Only submits of this mode (text, ...)")] = None,
    times: Annotated[int, typer.Option(help="How many matching requests")] = 1,
    forever: Annotated[bool, typer.Option("--forever", help="Every request until cleared")] = False,
    base_url: BaseUrl = None,
    admin_token: AdminToken = None,
    as_json: AsJson = False,
) -> None:
    """Queue a scripted outcome for the account's next requests."""
    with _sandbox(base_url, admin_token, account) as box:
        step = box.push(directive, mode=mode, times=None if forever else times)
    count = "every" if step.remaining is None else str(step.remaining)
    _emit(step.model_dump(), as_json, f"step {step.id}: {step.directive} ({count} {step.stage})")


@sandbox_app.command("show")
def show(
    account: AccountId,
    base_url: BaseUrl = None,
    admin_token: AdminToken = None,
    as_json: AsJson = False,
) -> None:
    """The account's timing, clock, queued steps and held generations."""
    with _sandbox(base_url, admin_token, account) as box:
        state = box.state()
    lines = [
        f"timing: {state['timing']['mode']}  clock: +{state['clock_offset_s']:g} s",
        *(
            f"step {s['id']}: {s['directive']} ×{s['remaining'] or '∞'} ({s['stage']})"
            for s in state["scenarios"]
        ),
        *(f"video {w['generation_id']}: {w['directive']} [{w['state']}]" for w in state["watched"]),
    ]
    _emit(state, as_json, "\n".join(lines))


@sandbox_app.command("clear")
def clear(account: AccountId, base_url: BaseUrl = None, admin_token: AdminToken = None) -> None:
    """Drop every queued step."""
    with _sandbox(base_url, admin_token, account) as box:
        console.print(f"removed {box.clear()} step(s)")


@sandbox_app.command("timing")
def timing(
    mode: Annotated[str, typer.Argument(help="instant, fixed, seeded or polls")],
    account: AccountId,
    seconds: Annotated[float, typer.Option(help="fixed: seconds per generation")] = 0.0,
    polls: Annotated[int, typer.Option(help="polls: polls per generation")] = 0,
    seed: Annotated[int, typer.Option(help="seeded: the seed")] = 0,
    base_url: BaseUrl = None,
    admin_token: AdminToken = None,
) -> None:
    """Set how long the account's generations take."""
    with _sandbox(base_url, admin_token, account) as box:
        box.timing(mode, seconds=seconds, polls=polls, seed=seed)
    console.print(f"timing: {mode}")


@sandbox_app.command("advance")
def advance(
    seconds: Annotated[float, typer.Argument(help="Seconds to move the virtual clock on")],
    account: AccountId,
    base_url: BaseUrl = None,
    admin_token: AdminToken = None,
) -> None:
    """Advance the account's virtual clock (timed outcomes now due happen)."""
    with _sandbox(base_url, admin_token, account) as box:
        offset = box.advance(seconds)
    console.print(f"clock: +{offset:g} s")


def journal(
    account: AccountId,
    trace_id: Annotated[str | None, typer.Option(help="Only this Ai-trace-id")] = None,
    path: Annotated[str | None, typer.Option(help="Only paths containing this")] = None,
    err_code: Annotated[int | None, typer.Option(help="Only answers with this error code")] = None,
    since: Annotated[float | None, typer.Option(help="From this UNIX time")] = None,
    until: Annotated[float | None, typer.Option(help="Before this UNIX time")] = None,
    limit: Annotated[int, typer.Option(help="At most this many")] = 200,
    har: Annotated[Path | None, typer.Option("--har", help="Write a HAR 1.2 file here")] = None,
    base_url: BaseUrl = None,
    admin_token: AdminToken = None,
    as_json: AsJson = False,
) -> None:
    """A sandbox account's requests and answers (headers without secrets)."""
    filters: dict[str, Any] = {
        "trace_id": trace_id,
        "path": path,
        "err_code": err_code,
        "since": since,
        "until": until,
    }
    with _sandbox(base_url, admin_token, account) as box:
        if har is not None:
            document = box.har(**filters)
            har.write_text(json.dumps(document, indent=1))
            console.print(f"{len(document['log']['entries'])} entries written to {har}")
            return
        entries = box.journal(limit=limit, **filters)
    if as_json:
        console.print_json(json.dumps([e.model_dump() for e in entries]))
        return
    for e in entries:
        when = datetime.fromtimestamp(e.at, tz=UTC).strftime("%H:%M:%S.%f")[:-3]
        faults = e.response.get("faults") or []
        extra = f" fault={','.join(faults)}" if faults else ""
        console.print(
            f"{when} {e.method:6} {escape(e.path)} → {e.status} err_code {e.err_code} "
            f"{e.duration_ms:.1f} ms trace {e.trace_id}{extra}",
            highlight=False,
            soft_wrap=True,
        )


def list_videos(
    page: Annotated[int, typer.Option(help="Page number")] = 1,
    page_size: Annotated[int, typer.Option(help="Page size (1-100)")] = 20,
    status: Annotated[str | None, typer.Option(help="Statuses, comma-separated: 1,5,8")] = None,
    mode: Annotated[str | None, typer.Option(help="Modes, comma-separated: text,image")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List the account's generations, newest first (pixforge servers only)."""
    statuses = [int(s) for s in (status or "").split(",") if s.strip()]
    modes = [m.strip() for m in (mode or "").split(",") if m.strip()]
    with _client(base_url, api_key, False) as client:
        found = client.list_videos(page=page, page_size=page_size, status=statuses, mode=modes)
    if as_json:
        console.print_json(json.dumps(found.model_dump(by_alias=True)))
        return
    console.print(f"{found.total} generation(s); page {found.page}", highlight=False)
    for video in found.items:
        extra = video.model_extra or {}
        state = STATUS_NAMES.get(video.status, str(video.status))
        console.print(
            f"{video.id}  {state:22} {extra.get('mode', ''):8} {video.create_time}  "
            f"{escape(video.prompt[:50])}",
            highlight=False,
            soft_wrap=True,
        )


def cancel(
    video_id: int,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Cancel a generation still in progress (status 6, refunded; pixforge servers only)."""
    with _client(base_url, api_key, False) as client:
        result = client.cancel(video_id)
    _emit(result.model_dump(by_alias=True), as_json, f"video {result.id} cancelled (refunded)")


@sandbox_app.command("reset")
def reset(account: AccountId, base_url: BaseUrl = None, admin_token: AdminToken = None) -> None:
    """Make the account fresh: generations, uploads, scenario, timing, clock and journal gone,
    credits back to what was granted."""
    with _sandbox(base_url, admin_token, account) as box:
        box.reset()
    console.print(f"account {account} reset")


@sandbox_app.command("snapshot")
def snapshot(
    path: Annotated[Path, typer.Argument(help="Write the server's whole state here (tar.gz)")],
    base_url: BaseUrl = None,
    admin_token: AdminToken = None,
) -> None:
    """Save all of the server's state (tables and stored files) to a file."""
    with _sandbox(base_url, admin_token, 0) as box:
        path.write_bytes(box.admin.snapshot())
    console.print(f"snapshot written to {path}")


@sandbox_app.command("restore")
def restore(
    path: Annotated[Path, typer.Argument(help="A file `pixforge sandbox snapshot` wrote")],
    base_url: BaseUrl = None,
    admin_token: AdminToken = None,
) -> None:
    """Replace all of the server's state with a snapshot."""
    with _sandbox(base_url, admin_token, 0) as box:
        box.admin.restore(path.read_bytes())
    console.print(f"state restored from {path}")


proxy_app = typer.Typer(
    no_args_is_help=True,
    help="Record an upstream PixVerse-compatible API to a cassette, or replay one offline.",
)
CassetteFile = Annotated[Path, typer.Option("--cassette", help="The cassette file (JSON)")]
ProxyPort = Annotated[int, typer.Option(help="Port to listen on")]


def _serve_proxy(app: Any, port: int) -> None:
    import uvicorn

    console.print(f"proxy listening on http://127.0.0.1:{port}", highlight=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@proxy_app.command("record")
def proxy_record(
    upstream: Annotated[
        str, typer.Option(help="Upstream API origin, e.g. https://app-api.pixverse.ai")
    ],
    cassette: CassetteFile,
    upstream_key: Annotated[
        str | None,
        typer.Option(
            envvar="PIXFORGE_UPSTREAM_KEY", help="API key sent upstream (else the client's)"
        ),
    ] = None,
    port: ProxyPort = 8010,
) -> None:
    """Forward every request upstream and record answers and result files (saved on Ctrl-C)."""
    from pixforge.api.proxy import Cassette, Proxy

    recorder = Proxy(Cassette(), upstream=upstream, upstream_key=upstream_key)
    try:
        _serve_proxy(recorder, port)
    finally:
        recorder.cassette.save(cassette)
        console.print(f"cassette written to {cassette}")


@proxy_app.command("replay")
def proxy_replay(cassette: CassetteFile, port: ProxyPort = 8010) -> None:
    """Serve a cassette offline: the recorded answers and files for the same requests."""
    from pixforge.api.proxy import Cassette, Proxy

    _serve_proxy(Proxy(Cassette.load(cassette)), port)
