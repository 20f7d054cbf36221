"""Registering webhook receivers: refused at once when no delivery could ever be made."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixforge.domain.errors import InvalidParameterError
from pixforge.media.fetch import Network
from pixforge.services.accounts import AccountService
from pixforge.services.operator import OperatorService
from pixforge.store.db import Database

NAMES = {
    "hooks.example.com": ["93.184.216.34"],
    "intranet.example.com": ["10.20.30.40"],
    "split.example.com": ["93.184.216.34", "192.168.1.5"],
    "metadata.example.com": ["100.100.100.200"],
    "v6.example.com": ["fd12:3456::1"],
}


def resolve(host: str, port: int) -> list[str]:
    if host not in NAMES:
        raise OSError(f"{host}: Name or service not known")
    return NAMES[host]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'pixforge.db'}")
    database.migrate()
    yield database
    database.dispose()


def operator(db: Database, allowed: list[str]) -> OperatorService:
    networks: list[Network] = [ipaddress.ip_network(n) for n in allowed]
    return OperatorService(db, {}, webhook_allowed_networks=networks, resolve=resolve)


@pytest.mark.parametrize(
    ("url", "address", "suggested"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1", "127.0.0.0/8"),
        ("http://[::1]/hook", "::1", "::1/128"),
        ("https://intranet.example.com/hook", "10.20.30.40", "10.0.0.0/8"),
        ("https://split.example.com/hook", "192.168.1.5", "192.168.0.0/16"),
        ("http://169.254.169.254/latest", "169.254.169.254", "169.254.0.0/16"),
        ("https://metadata.example.com/", "100.100.100.200", "100.64.0.0/10"),
        ("https://v6.example.com/hook", "fd12:3456::1", "fc00::/7"),
        ("http://0.0.0.0/hook", "0.0.0.0", "0.0.0.0/32"),
    ],
)
def test_private_receivers_are_refused_with_the_setting_to_change(
    db: Database, url: str, address: str, suggested: str
) -> None:
    account = AccountService(db, 1).create_account("hooks")
    with pytest.raises(InvalidParameterError) as refused:
        operator(db, []).create_webhook(account.id, url, False)
    message = refused.value.message
    assert message.startswith("url: ") and f"resolves to {address}, a non-public" in message
    assert f"set PIXFORGE_WEBHOOK_ALLOW_NETWORKS={suggested} (comma-separated" in message
    assert operator(db, []).webhooks() == []
    # With the suggested setting the same receiver is accepted.
    made = operator(db, [suggested]).create_webhook(account.id, url, False)
    assert operator(db, []).webhooks() == [made]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/hook", "only http(s) URLs with a host"),
        ("http:///hook", "only http(s) URLs with a host"),
        ("http://user:pw@hooks.example.com/hook", "credentials"),
        ("https://typo.example.com/hook", "cannot resolve host 'typo.example.com'"),
    ],
)
def test_unusable_urls_are_refused(db: Database, url: str, reason: str) -> None:
    account = AccountService(db, 1).create_account("hooks")
    with pytest.raises(InvalidParameterError) as refused:
        operator(db, []).create_webhook(account.id, url, False)
    assert refused.value.message.startswith("url: ") and reason in refused.value.message


def test_public_receivers_need_no_setting(db: Database) -> None:
    account = AccountService(db, 1).create_account("hooks")
    made = operator(db, []).create_webhook(account.id, "https://hooks.example.com/hook", True)
    assert made.secret.startswith("whsec_") and made.is_default
