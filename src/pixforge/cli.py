"""The `pixforge` command: serve, migrate, and the operator commands for accounts, keys, credits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pixforge.config import Settings
from pixforge.domain.errors import PixforgeError

app = typer.Typer(no_args_is_help=True, help="pixforge: a PixVerse-compatible video server.")
accounts_app = typer.Typer(no_args_is_help=True, help="Create and manage accounts.")
keys_app = typer.Typer(no_args_is_help=True, help="Create and disable API keys.")
credits_app = typer.Typer(no_args_is_help=True, help="Grant credits.")
videos_app = typer.Typer(no_args_is_help=True, help="Inspect and delete generations.")
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(credits_app, name="credits")
app.add_typer(videos_app, name="videos")

console = Console()
err_console = Console(stderr=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Database and media directory [env: PIXFORGE_DATA_DIR]"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _services(data_dir: Path | None) -> Any:
    from pixforge.services.accounts import AccountService
    from pixforge.store.db import Database

    settings = _settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    db.migrate()
    return AccountService(db, settings.default_concurrency)


def _fail(error: PixforgeError) -> None:
    err_console.print(f"[red]error {error.err_code}:[/red] {error.message}")
    raise typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [env: PIXFORGE_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env: PIXFORGE_PORT]")] = None,
    data_dir: DataDirOption = None,
    workers: Annotated[
        int | None, typer.Option(help="Render worker threads [env: PIXFORGE_WORKERS]")
    ] = None,
) -> None:
    """Start the API server with its embedded workers."""
    import uvicorn

    from pixforge.app import create_app
    from pixforge.logs import configure_logging
    from pixforge.state import AppState

    settings = _settings(host=host, port=port, data_dir=data_dir, workers=workers)
    configure_logging(settings.log_level, settings.log_json)
    state = AppState.build(settings)
    created = state.accounts.ensure_dev_account(settings.dev_account_credits, settings.dev_api_key)
    if created is not None:
        account, key = created
        shown = "from PIXFORGE_DEV_API_KEY" if settings.dev_api_key else f"(shown once) {key}"
        console.print(
            f"[green]Development account {account.id} created with "
            f"{account.credit_monthly} credits.[/green]\nAPI key {shown}",
            highlight=False,
        )
    console.print(
        f"pixforge listening on {settings.resolved_public_url} "
        f"(data: {settings.data_dir.resolve()}, workers: {settings.workers})",
        highlight=False,
    )
    uvicorn.run(
        create_app(settings, state),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )


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
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account."""
    service = _services(data_dir)
    try:
        row = service.create_account(name, monthly, package, concurrency)
        result: dict[str, Any] = {
            "account_id": row.id,
            "credit_monthly": row.credit_monthly,
            "credit_package": row.credit_package,
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
        }
        for r in rows
    ]
    _print_rows(data, as_json)


@accounts_app.command("set")
def accounts_set(
    account_id: int,
    concurrency: Annotated[int | None, typer.Option(help="Concurrent generations")] = None,
    disabled: Annotated[bool | None, typer.Option("--disabled/--enabled")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change an account's concurrency limit or disable/enable it."""
    try:
        row = _services(data_dir).set_account(
            account_id, disabled=disabled, concurrency_limit=concurrency
        )
    except PixforgeError as error:
        _fail(error)
    console.print(
        f"account {row.id}: concurrency {row.concurrency_limit or 'default'}, "
        f"{'disabled' if row.disabled else 'enabled'}"
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
    from pixforge.state import AppState

    state = AppState.build(_settings(data_dir=data_dir, workers=0))
    try:
        previous = state.generations.delete(video_id)
    except PixforgeError as error:
        _fail(error)
    finally:
        state.db.dispose()
    refunded = " and refunded" if previous == 5 else ""
    console.print(f"video {video_id} deleted (was status {previous}){refunded}")


def _print(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(data))
        return
    for key, value in data.items():
        console.print(f"{key}: {value}", highlight=False)


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(*(rows[0].keys() if rows else ["(none)"]))
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


def main() -> None:
    app()
