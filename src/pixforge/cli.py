"""The `pixforge` command: serve, migrate, and the operator commands for accounts, keys, credits.

`pixforge --help` must answer at once: this module and cli_client import only typer, rich's
console and pixforge's own light modules; the server, database, media and SDK stacks are
imported inside the commands that use them (tests/test_architecture.py checks it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from pixforge import __version__, cli_client, cli_sandbox, cli_scaleout
from pixforge.domain.errors import PixforgeError

if TYPE_CHECKING:
    from pixforge.config import Settings
    from pixforge.containers.api import ApiContainer

app = typer.Typer(
    no_args_is_help=True,
    help="pixforge: a PixVerse-compatible video server.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
accounts_app = typer.Typer(no_args_is_help=True, help="Create and manage accounts.")
keys_app = typer.Typer(no_args_is_help=True, help="Create and disable API keys.")
credits_app = typer.Typer(no_args_is_help=True, help="Grant credits.")
videos_app = typer.Typer(no_args_is_help=True, help="Inspect and delete generations.")
models_app = typer.Typer(no_args_is_help=True, help="The diffusers engine's model registry.")
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(credits_app, name="credits")
app.add_typer(videos_app, name="videos")
app.add_typer(models_app, name="models")
templates_app = typer.Typer(no_args_is_help=True, help="Activate effect templates per account.")
webhooks_app = typer.Typer(no_args_is_help=True, help="Webhook endpoints and deliveries.")
app.add_typer(templates_app, name="templates")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(cli_client.generate_app, name="generate")
app.command()(cli_scaleout.worker)
app.command()(cli_scaleout.routes)
app.add_typer(cli_scaleout.storage_app, name="storage")
app.command("status")(cli_client.status)
app.command("balance")(cli_client.balance)
app.command("speakers")(cli_client.speakers)
app.command("restyles")(cli_client.restyles)
app.add_typer(cli_sandbox.sandbox_app, name="sandbox")
app.add_typer(cli_sandbox.proxy_app, name="proxy")
app.command("journal")(cli_sandbox.journal)
app.command("list")(cli_sandbox.list_videos)
app.command("cancel")(cli_sandbox.cancel)

console = Console()
err_console = Console(stderr=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Database and media directory \\[env var: PIXFORGE_DATA_DIR]"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _show_version(value: bool) -> None:
    if value:
        print(f"pixforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """pixforge: a PixVerse-compatible video server."""


def _settings(**overrides: Any) -> Settings:
    return settings_or_exit({k: v for k, v in overrides.items() if v is not None})


def settings_or_exit(overrides: dict[str, Any]) -> Settings:
    """Settings from PIXFORGE_* and the command-line `overrides`; a bad value ends the command
    with one line per setting (its name, the value given, what it accepts) and exit code 2."""
    from pydantic import ValidationError

    from pixforge.config import Settings, explain_settings_error

    try:
        return Settings(**overrides)
    except ValidationError as error:
        options = {name: "--" + name.replace("_", "-") for name in overrides}
        for line in explain_settings_error(error, options):
            err_console.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None


def _services(data_dir: Path | None) -> Any:
    from pixforge.containers.common import load_plans
    from pixforge.services.accounts import AccountService
    from pixforge.store.db import Database

    settings = _settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    db.migrate()
    return AccountService(db, settings.default_concurrency, load_plans(settings))


def _operator(data_dir: Path | None) -> Any:
    from pixforge.containers.common import load_templates
    from pixforge.services.operator import OperatorService
    from pixforge.store.db import Database

    settings = _settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    db.migrate()
    return OperatorService(
        db, load_templates(settings), webhook_allowed_networks=settings.allowed_webhook_networks
    )


def _fail(error: PixforgeError) -> None:
    err_console.print(f"[red]error {error.err_code}:[/red] {error.message}")
    raise typer.Exit(code=1)


def _mcp_help() -> str:
    from pixforge.mcp.tools import TOOLS

    tools = "\n".join(f"  {name}: {escape(description)}" for name, description in TOOLS.items())
    return (
        "Run the MCP server: video tools for AI assistants.\n\n"
        f"Its tools call the API at --base-url (default {cli_client.LOCAL_BASE_URL}, a local "
        f"pixforge; --hosted for PixVerse's).\n\nTools:\n{tools}"
    )


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Bind address \\[env var: PIXFORGE_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port \\[env var: PIXFORGE_PORT]")] = None,
    data_dir: DataDirOption = None,
    workers: Annotated[
        int | None, typer.Option(help="Render worker threads \\[env var: PIXFORGE_WORKERS]")
    ] = None,
) -> None:
    """Start the API server with its embedded workers."""
    from pixforge import serving
    from pixforge.app import create_app
    from pixforge.containers.server import build_server
    from pixforge.logs import configure_logging

    settings = _settings(host=host, port=port, data_dir=data_dir, workers=workers)
    configure_logging(settings.log_level, settings.log_json)
    try:
        sock = serving.bind(settings.host, settings.port)
    except serving.BindError as error:
        hint = " (another server on it? --port or PIXFORGE_PORT picks another)"
        err_console.print(f"[red]error:[/red] {escape(str(error))}{hint}", soft_wrap=True)
        raise typer.Exit(code=1) from None
    state = build_server(settings)
    _announce_dev_account(state, settings)
    limits = serving.ReadLimits(
        settings.headers_timeout_s, settings.body_timeout_s, settings.body_min_bytes_per_s
    )

    def announce() -> None:
        console.print(
            f"pixforge listening on {serving.bound_url(sock)} "
            f"(data: {settings.data_dir.resolve()}, workers: {settings.workers})",
            highlight=False,
            soft_wrap=True,
        )

    serving.run(create_app(settings, state), sock, limits, announce, state.abort)


def _announce_dev_account(state: ApiContainer, settings: Settings) -> None:
    """The development account: made on an empty database, and given PIXFORGE_DEV_API_KEY (when
    set) at every start, so the documented key works on a database made before it was set."""
    if settings.dev_api_key:
        dev = state.accounts.ensure_dev_key(settings.dev_account_credits, settings.dev_api_key)
        account, created = dev.account, dev.account_created
        status = "added" if dev.key_created else "already stored"
        key_line = f"API key from PIXFORGE_DEV_API_KEY ({dev.key.prefix}...): {status}"
        if dev.key.disabled:
            key_line += f", but disabled (pixforge keys enable {dev.key.id})"
    else:
        made = state.accounts.ensure_dev_account(settings.dev_account_credits, None)
        if made is None:
            console.print(
                "[dim]No PIXFORGE_DEV_API_KEY set. Lost a key? `pixforge accounts list`, then "
                "`pixforge keys create ACCOUNT_ID` (README: Getting a key again).[/dim]",
                highlight=False,
                soft_wrap=True,
            )
            return
        account, key = made
        created = True
        key_line = f"API key (shown once) {key}"
    if created:
        # The development account can try every effect template without an activation step.
        state.operator.activate_templates(account.id, sorted(state.generations.templates))
    title = "Development account" if account.name == "development" else "Account"
    news = f" created with {account.credit_monthly} credits" if created else ""
    console.print(
        f"[green]{title} {account.id}{news}.[/green] {escape(key_line)}",
        highlight=False,
        soft_wrap=True,
    )


@app.command(help=_mcp_help())
def mcp(
    transport: Annotated[
        str, typer.Option(help="stdio, or streamable-http (served at http://HOST:PORT/mcp)")
    ] = "stdio",
    base_url: cli_client.BaseUrl = None,
    api_key: cli_client.ApiKey = None,
    hosted: cli_client.Hosted = False,
    host: Annotated[str, typer.Option(help="HTTP bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8001,
) -> None:
    if transport not in ("stdio", "streamable-http"):
        err_console.print("[red]error:[/red] --transport must be stdio or streamable-http")
        raise typer.Exit(code=2)
    url = cli_client.server_url(base_url, hosted)
    key = cli_client.require_api_key(api_key, url)
    # stderr: on stdio, stdout is the MCP protocol stream.
    err_console.print(f"[dim]pixforge mcp: server {escape(url)}[/dim]", highlight=False)
    from pixforge.mcp.server import run

    run(transport, url, key, host, port)


@app.command()
def migrate(data_dir: DataDirOption = None) -> None:
    """Create or upgrade the database schema."""
    _services(data_dir)
    console.print("database is at the newest schema")


@accounts_app.command("create")
def accounts_create(
    name: Annotated[str, typer.Option(help="Display name")] = "account",
    monthly: Annotated[int, typer.Option(help="Initial monthly credits")] = 0,
    package: Annotated[int, typer.Option(help="Initial package credits")] = 0,
    concurrency: Annotated[
        int | None, typer.Option(help="Concurrent generations (default: server setting)")
    ] = None,
    with_key: Annotated[bool, typer.Option("--with-key", help="Also create an API key")] = False,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="A sandbox account (docs/sandbox.md)")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account."""
    service = _services(data_dir)
    try:
        row = service.create_account(name, monthly, package, concurrency, sandbox=sandbox)
        result: dict[str, Any] = {
            "account_id": row.id,
            "credit_monthly": row.credit_monthly,
            "credit_package": row.credit_package,
            "sandbox": row.sandbox,
        }
        if with_key:
            key_row, key = service.create_api_key(row.id, name=name)
            result |= {"key_id": key_row.id, "api_key": key}
    except PixforgeError as error:
        _fail(error)
    _print(result, as_json)


@accounts_app.command("list")
def accounts_list(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """List accounts and balances."""
    rows = _services(data_dir).list_accounts()
    data = [
        {
            "account_id": r.id,
            "name": r.name,
            "credit_monthly": r.credit_monthly,
            "credit_package": r.credit_package,
            "concurrency_limit": r.concurrency_limit,
            "disabled": r.disabled,
            "sandbox": r.sandbox,
            "plan": r.plan or "",
            "plan_renews_at": _iso(r.plan_renews_at),
        }
        for r in rows
    ]
    _print_rows(data, as_json)


def _iso(epoch_s: float | None) -> str:
    import time

    return "" if epoch_s is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


@accounts_app.command("plans")
def accounts_plans(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """List the API plans accounts can be put on (PIXFORGE_PLANS_FILE or the built-in ones)."""
    plans = _services(data_dir).plans.values()
    data = [
        {
            "plan": p.name,
            "monthly_credits": p.monthly_credits,
            "concurrency": p.concurrency,
            "effects_per_period": "unlimited"
            if p.effects_per_period is None
            else p.effects_per_period,
            "models": "all" if p.models is None else ", ".join(p.models),
            "features": "all" if p.features is None else ", ".join(p.features),
        }
        for p in plans
    ]
    _print_rows(data, as_json)


@accounts_app.command("renew")
def accounts_renew(data_dir: DataDirOption = None) -> None:
    """Renew the monthly credits of every account whose plan's billing period has ended (the
    server also does it on the account's next request)."""
    count = _services(data_dir).renew_due()
    console.print(f"renewed {count} account(s)")


@accounts_app.command("set")
def accounts_set(
    account_id: int,
    concurrency: Annotated[int | None, typer.Option(help="Concurrent generations")] = None,
    disabled: Annotated[bool | None, typer.Option("--disabled/--enabled")] = None,
    plan: Annotated[
        str | None,
        typer.Option(help="API plan (see `accounts plans`; `none` for the server defaults)"),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change an account's plan or concurrency limit, or disable/enable it."""
    service = _services(data_dir)
    try:
        if plan is not None:
            service.set_plan(account_id, plan)
        row = service.set_account(account_id, disabled=disabled, concurrency_limit=concurrency)
    except PixforgeError as error:
        _fail(error)
    plan_text = f"plan {row.plan}, renews {_iso(row.plan_renews_at)}, " if row.plan else ""
    console.print(
        f"account {row.id}: {plan_text}concurrency {row.concurrency_limit or 'default'}, "
        f"{'disabled' if row.disabled else 'enabled'}, {row.credit_monthly} monthly credits"
    )


@keys_app.command("create")
def keys_create(
    account_id: int,
    name: Annotated[str, typer.Option(help="Label for the key")] = "",
    expires_in_days: Annotated[float | None, typer.Option(help="Expire after N days")] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key; the key is printed once and only its hash is stored."""
    expires_s = expires_in_days * 86400 if expires_in_days is not None else None
    try:
        row, key = _services(data_dir).create_api_key(account_id, name, expires_s)
    except PixforgeError as error:
        _fail(error)
    _print({"key_id": row.id, "account_id": account_id, "api_key": key}, as_json)


@keys_app.command("list")
def keys_list(
    account_id: Annotated[int | None, typer.Argument()] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List keys (prefix only; keys themselves are never stored)."""
    rows = _services(data_dir).list_keys(account_id)
    data = [
        {
            "key_id": r.id,
            "account_id": r.account_id,
            "prefix": r.prefix,
            "name": r.name,
            "disabled": r.disabled,
            "expires_at": r.expires_at,
        }
        for r in rows
    ]
    _print_rows(data, as_json)


@keys_app.command("disable")
def keys_disable(key_id: int, data_dir: DataDirOption = None) -> None:
    """Disable an API key; requests with it are refused from now on."""
    try:
        _services(data_dir).set_key_disabled(key_id, True)
    except PixforgeError as error:
        _fail(error)
    console.print(f"key {key_id} disabled")


@keys_app.command("enable")
def keys_enable(key_id: int, data_dir: DataDirOption = None) -> None:
    """Re-enable a disabled API key."""
    try:
        _services(data_dir).set_key_disabled(key_id, False)
    except PixforgeError as error:
        _fail(error)
    console.print(f"key {key_id} enabled")


@credits_app.command("grant")
def credits_grant(
    account_id: int,
    monthly: Annotated[int, typer.Option(help="Credits added to the monthly bucket")] = 0,
    package: Annotated[int, typer.Option(help="Credits added to the package bucket")] = 0,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add credits to an account (negative numbers remove them, never below zero)."""
    try:
        row = _services(data_dir).grant_credits(account_id, monthly, package)
    except PixforgeError as error:
        _fail(error)
    _print(
        {
            "account_id": row.id,
            "credit_monthly": row.credit_monthly,
            "credit_package": row.credit_package,
        },
        as_json,
    )


@videos_app.command("delete")
def videos_delete(video_id: int, data_dir: DataDirOption = None) -> None:
    """Delete a generation (status 6) and its video; one still generating is refunded."""
    from pixforge.containers.server import build_server

    state = build_server(_settings(data_dir=data_dir, workers=0))
    try:
        previous = state.generations.delete(video_id)
    except PixforgeError as error:
        _fail(error)
    finally:
        state.db.dispose()
    refunded = " and refunded" if previous == 5 else ""
    console.print(f"video {video_id} deleted (was status {previous}){refunded}")


@app.command()
def render(
    out: Annotated[Path, typer.Option("--out", help="Directory for the MP4")],
    prompt: Annotated[str, typer.Option(help="Prompt")] = "",
    image: Annotated[
        list[Path] | None,
        typer.Option(help="Input image; once for image-to-video, twice for a transition"),
    ] = None,
    model: Annotated[str, typer.Option(help="Model name")] = "v4.5",
    quality: Annotated[str, typer.Option(help="360p, 540p, 720p or 1080p")] = "540p",
    duration: Annotated[int, typer.Option(help="Seconds")] = 5,
    aspect_ratio: Annotated[str, typer.Option(help="Text-to-video aspect ratio")] = "16:9",
    camera: Annotated[str, typer.Option(help="camera_movement value")] = "",
    style: Annotated[str, typer.Option(help="style value")] = "",
    motion: Annotated[str, typer.Option(help="normal or fast")] = "normal",
    seed: Annotated[int, typer.Option(help="Seed")] = 0,
    negative_prompt: Annotated[str, typer.Option(help="Negative prompt")] = "",
    template_id: Annotated[int | None, typer.Option(help="Effect template id")] = None,
    water_mark: Annotated[bool, typer.Option("--water-mark", help="Add the watermark")] = False,
    sound: Annotated[str | None, typer.Option(help="Add sound, described by this text")] = None,
    name: Annotated[str | None, typer.Option(help="File name without .mp4")] = None,
) -> None:
    """Render a request offline with the configured engine, without a server."""
    from pixforge.containers.common import load_templates
    from pixforge.containers.worker import engine_config
    from pixforge.domain.features import FEATURES, RuleContext
    from pixforge.domain.manifest import JobManifest, StoredImage
    from pixforge.domain.rules import MODELS
    from pixforge.domain.spec import ImageRef, LaunchOptions, Mode, RenderJob, launch_spec
    from pixforge.engines.registry import build_engine
    from pixforge.media.images import ImageLimits, ImageRejectedError, inspect_image
    from pixforge.media.probe import probe

    settings = _settings()
    images = image or []
    mode = {0: Mode.TEXT, 1: Mode.IMAGE, 2: Mode.TRANSITION}.get(len(images))
    if mode is None:
        err_console.print("[red]error:[/red] --image takes one or two files")
        raise typer.Exit(code=2)
    limits = ImageLimits(
        settings.image_max_bytes,
        settings.image_max_side_px,
        settings.image_min_side_px,
        settings.image_max_pixels,
    )
    refs = []
    for path in images:
        try:
            info = inspect_image(path.read_bytes(), limits)
        except (OSError, ImageRejectedError) as error:
            err_console.print(f"[red]error:[/red] {path}: {error}")
            raise typer.Exit(code=2) from error
        refs.append(ImageRef(str(path), info.width, info.height))
    options = LaunchOptions(
        negative_prompt=negative_prompt,
        motion_mode=motion,
        style=style,
        camera_movement=camera,
        template_id=template_id,
        sound_effect_switch=sound is not None,
        sound_effect_content=sound or "",
    )
    spec = launch_spec(
        mode,
        model=model,
        prompt=prompt,
        quality=quality,
        duration_s=duration,
        image_ids=tuple(range(1, len(refs) + 1)),
        aspect_ratio=aspect_ratio if mode is Mode.TEXT else None,
        options=options,
        seed=seed,
        water_mark=water_mark,
    )
    templates = load_templates(settings)
    context = RuleContext(MODELS, templates)
    feature = FEATURES[mode]
    manifest = JobManifest(
        tuple(StoredImage(i + 1, ref.path, ref.width, ref.height) for i, ref in enumerate(refs))
    )
    try:
        planned = feature.plan(spec, feature.validate(spec, context), manifest, context)
    except PixforgeError as error:
        _fail(error)
    output = planned.output
    engine = build_engine(settings.engine, engine_config(settings, templates))
    out.mkdir(parents=True, exist_ok=True)
    default_name = f"{mode.value}-{camera or style or 'plain'}-{seed}"
    target = out / f"{name or default_name}.mp4"
    engine.render(RenderJob(0, spec, seed, output, tuple(refs)), target, lambda _: None)
    media = probe(target)
    console.print(
        f"{target} {output.width}x{output.height} {media.duration_s:.2f} s "
        f"{target.stat().st_size} bytes{' with audio' if media.audio else ''}",
        highlight=False,
    )


@app.command("contact-sheet")
def contact_sheet_command(
    video: Path,
    out: Annotated[Path | None, typer.Option(help="PNG path (default: next to the video)")] = None,
    columns: Annotated[int, typer.Option(help="Frames per row")] = 4,
    rows: Annotated[int, typer.Option(help="Rows")] = 3,
    width: Annotated[int, typer.Option(help="Thumbnail width in pixels")] = 240,
) -> None:
    """Write a PNG grid of evenly spaced frames of a video."""
    from pixforge.media.contact_sheet import contact_sheet

    target = out or video.with_suffix(".png")
    try:
        contact_sheet(video, target, columns, rows, width)
    except (OSError, ValueError) as error:
        err_console.print(f"[red]error:[/red] {video}: {error}")
        raise typer.Exit(code=2) from error
    console.print(str(target), highlight=False)


RegistryOption = Annotated[
    Path | None,
    typer.Option(
        "--registry", help="Model registry JSON \\[env var: PIXFORGE_DIFFUSERS_MODELS_FILE]"
    ),
]


def _registry(path: Path | None) -> Any:
    try:
        from pixforge.engines.diffusers.registry import load_registry
    except ImportError as error:
        err_console.print("[red]error:[/red] pip install 'pixforge[diffusers]'")
        raise typer.Exit(code=2) from error
    registry_file = path or _settings().diffusers_models_file
    if registry_file is None:
        err_console.print(
            "[red]error:[/red] no registry: --registry or PIXFORGE_DIFFUSERS_MODELS_FILE"
        )
        raise typer.Exit(code=2)
    return registry_file, load_registry(registry_file)


@models_app.command("list")
def models_list(registry: RegistryOption = None, as_json: JsonOption = False) -> None:
    """The registry's entries and whether their weights are present locally."""
    _, entries = _registry(registry)
    rows = [
        {
            "model": name,
            "mode": mode.value,
            "family": entry.family,
            "path": str(entry.path),
            "loadable": (entry.path / "model_index.json").is_file(),
        }
        for (name, mode), entry in sorted(entries.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]
    _print_rows(rows, as_json)


@models_app.command("check")
def models_check(
    name: str,
    mode: Annotated[str, typer.Option(help="text, image or transition")] = "text",
    registry: RegistryOption = None,
) -> None:
    """Load a model and run a 1-step dry run at its smallest size."""
    import time

    from pixforge.containers.common import load_templates
    from pixforge.containers.worker import engine_config
    from pixforge.domain.spec import ImageRef, Mode, OutputFormat, RenderJob, launch_spec
    from pixforge.engines.diffusers.engine import DiffusersEngine, DiffusersOptions

    registry_file, entries = _registry(registry)
    key = (name, Mode(mode))
    if key not in entries:
        err_console.print(f"[red]error:[/red] {name} does not serve {mode} in {registry_file}")
        raise typer.Exit(code=1)
    entry = entries[key]
    settings = _settings(engine="diffusers", diffusers_models_file=registry_file)
    config = engine_config(settings, load_templates(settings))
    engine = DiffusersEngine(config, DiffusersOptions.from_config(config.options))
    engine.registry = {key: entry.__class__(**{**_fields(entry), "steps": 1})}
    import tempfile

    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        image_path = Path(tmp) / "probe.png"
        Image.new("RGB", (64, 64), (128, 96, 64)).save(image_path)
        images = (
            ()
            if mode == "text"
            else (ImageRef(str(image_path), 64, 64),) * (2 if mode == "transition" else 1)
        )
        spec = launch_spec(
            Mode(mode),
            model=name,
            prompt="a check",
            quality="360p",
            duration_s=1,
            aspect_ratio="1:1",
            image_ids=tuple(range(1, len(images) + 1)),
        )
        started = time.monotonic()
        engine.render(
            RenderJob(0, spec, 1, OutputFormat(64, 64, 24, 24), images),
            Path(tmp) / "check.mp4",
            lambda _: None,
        )
    console.print(
        f"{name} ({mode}) ok: loaded and ran 1 step in {time.monotonic() - started:.1f} s"
    )


def _fields(entry: Any) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}


@models_app.command("make-tiny")
def models_make_tiny(folder: Path) -> None:
    """Write tiny random-weight pipelines and a registry (for tests and demos; no hub access)."""
    from pixforge.engines.diffusers.tiny import make_tiny

    registry_file = make_tiny(folder)
    console.print(
        f"wrote {registry_file}; try PIXFORGE_ENGINE=diffusers "
        f"PIXFORGE_DIFFUSERS_MODELS_FILE={registry_file}",
        highlight=False,
    )


@templates_app.command("activate")
def templates_activate(
    account_id: int,
    template_ids: Annotated[list[int], typer.Argument(help="Template ids from the catalogue")],
    data_dir: DataDirOption = None,
) -> None:
    """Activate effect templates for an account (PixVerse answers 500070 until then)."""
    try:
        added = _operator(data_dir).activate_templates(account_id, template_ids)
    except PixforgeError as error:
        _fail(error)
    console.print(f"activated {len(added)} new of {len(template_ids)} for account {account_id}")


@templates_app.command("deactivate")
def templates_deactivate(account_id: int, template_id: int, data_dir: DataDirOption = None) -> None:
    """Deactivate one effect template for an account."""
    if not _operator(data_dir).deactivate_template(account_id, template_id):
        err_console.print(f"template {template_id} was not active for account {account_id}")
        raise typer.Exit(code=1)
    console.print(f"template {template_id} deactivated for account {account_id}")


@templates_app.command("list")
def templates_list(
    account_id: int, data_dir: DataDirOption = None, as_json: JsonOption = False
) -> None:
    """The catalogue, with what is active for an account."""
    operator = _operator(data_dir)
    active = set(operator.activated_templates(account_id))
    rows = [
        {
            "template_id": t.template_id,
            "name": t.name,
            "qualities": ",".join(t.qualities),
            "active": t.template_id in active,
        }
        for t in sorted(operator.templates.values(), key=lambda t: t.template_id)
    ]
    _print_rows(rows, as_json)


@webhooks_app.command("create")
def webhooks_create(
    account_id: int,
    url: str,
    default: Annotated[
        bool, typer.Option("--default", help="Use for every generation without a webhook_id")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register an endpoint; prints its webhook_id and signing secret (shown once)."""
    try:
        row = _operator(data_dir).create_webhook(account_id, url, default)
    except PixforgeError as error:
        _fail(error)
    _print({"webhook_id": row.id, "secret": row.secret, "url": row.url}, as_json)


@webhooks_app.command("list")
def webhooks_list(
    data_dir: DataDirOption = None,
    deliveries: Annotated[
        bool, typer.Option("--deliveries", help="List deliveries instead of endpoints")
    ] = False,
    state: Annotated[
        str | None, typer.Option(help="Only deliveries in this state: pending/delivered/failed")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List webhook endpoints, or (with --deliveries) the newest deliveries and their state."""
    operator = _operator(data_dir)
    if not deliveries:
        rows = [
            {
                "webhook_id": w.id,
                "account_id": w.account_id,
                "url": w.url,
                "default": w.is_default,
                "disabled": w.disabled,
            }
            for w in operator.webhooks()
        ]
        _print_rows(rows, as_json)
        return
    data = [
        {
            "delivery_id": d.id,
            "webhook_id": d.webhook_id,
            "video_id": d.generation_id,
            "state": d.state,
            "attempts": d.attempts,
            "last_error": d.last_error or "",
        }
        for d in operator.deliveries(state)
    ]
    _print_rows(data, as_json)


@webhooks_app.command("replay")
def webhooks_replay(delivery_id: int, data_dir: DataDirOption = None) -> None:
    """Queue a delivery again (a running server sends it within its poll interval)."""
    try:
        _operator(data_dir).replay_delivery(delivery_id)
    except PixforgeError as error:
        _fail(error)
    console.print(f"delivery {delivery_id} queued again")


@webhooks_app.command("disable")
def webhooks_disable(webhook_id: str, data_dir: DataDirOption = None) -> None:
    """Stop delivering to an endpoint (pending deliveries end as failed)."""
    try:
        _operator(data_dir).set_webhook_disabled(webhook_id, True)
    except PixforgeError as error:
        _fail(error)
    console.print(f"webhook {webhook_id} disabled")


def _print(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(data))
        return
    for key, value in data.items():
        console.print(f"{key}: {value}", highlight=False)


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    from rich.table import Table

    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(*(rows[0].keys() if rows else ["(none)"]))
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


def main() -> None:
    app()
