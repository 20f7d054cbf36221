"""API-KEY and Ai-trace-id handling: every auth ErrCode, on every route."""

from __future__ import annotations

import uuid

import pytest

from tests.support.server import Account, RunningServer

ROUTES = [
    ("GET", "/openapi/v2/account/balance"),
    ("GET", "/openapi/v2/video/result/4503599627370497"),
    ("POST", "/openapi/v2/video/text/generate"),
    ("POST", "/openapi/v2/video/img/generate"),
    ("POST", "/openapi/v2/video/transition/generate"),
    ("POST", "/openapi/v2/image/upload"),
    ("POST", "/openapi/v2/media/upload"),
    ("GET", "/openapi/v2/video/lip_sync/tts_list?page_num=1&page_size=10"),
    ("GET", "/openapi/v2/video/effects/templates/list"),
]


@pytest.fixture
def server(module_server: RunningServer) -> RunningServer:
    """Each test looks only at its own account and key, or at none: one server for the module
    (conftest.module_server)."""
    return module_server


def call(
    server: RunningServer, method: str, path: str, headers: dict[str, str]
) -> dict[str, object]:
    api = server.api(None)
    try:
        response = api.http.request(method, path, headers=headers, json={})
    finally:
        api.close()
    assert response.status_code == 200
    return dict(response.json())


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_key(server: RunningServer, method: str, path: str) -> None:
    body = call(server, method, path, {"Ai-trace-id": str(uuid.uuid4())})
    assert body["ErrCode"] == 10001 and "API-KEY" in str(body["ErrMsg"])


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_unknown_key(server: RunningServer, method: str, path: str) -> None:
    headers = {"API-KEY": "pf-not-a-real-key-000000", "Ai-trace-id": str(uuid.uuid4())}
    assert call(server, method, path, headers)["ErrCode"] == 10002


def test_disabled_key(server: RunningServer, account: Account) -> None:
    server.state.accounts.set_key_disabled(account.key_id, True)
    headers = {"API-KEY": account.api_key, "Ai-trace-id": str(uuid.uuid4())}
    assert call(server, *ROUTES[0], headers)["ErrCode"] == 10003
    server.state.accounts.set_key_disabled(account.key_id, False)
    assert call(server, *ROUTES[0], headers)["ErrCode"] == 0


def test_expired_key(server: RunningServer, account: Account) -> None:
    _, key = server.state.accounts.create_api_key(account.account_id, expires_in_s=-1)
    headers = {"API-KEY": key, "Ai-trace-id": str(uuid.uuid4())}
    assert call(server, *ROUTES[0], headers)["ErrCode"] == 10004


def test_disabled_account(server: RunningServer, account: Account) -> None:
    server.state.accounts.set_account(account.account_id, disabled=True)
    headers = {"API-KEY": account.api_key, "Ai-trace-id": str(uuid.uuid4())}
    assert call(server, *ROUTES[0], headers)["ErrCode"] == 10005


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_trace_id_required(server: RunningServer, account: Account, method: str, path: str) -> None:
    body = call(server, method, path, {"API-KEY": account.api_key})
    assert body["ErrCode"] == 400011 and "Ai-trace-id" in str(body["ErrMsg"])


@pytest.mark.parametrize("trace_id", ["not-a-uuid", "1234", "{{$string.uuid}}"])
def test_trace_id_must_be_uuid(server: RunningServer, account: Account, trace_id: str) -> None:
    body = call(server, *ROUTES[0], {"API-KEY": account.api_key, "Ai-trace-id": trace_id})
    assert body["ErrCode"] == 400017 and "Ai-trace-id" in str(body["ErrMsg"])


@pytest.mark.parametrize("name", ["Ai-trace-id", "ai-trace-id", "Ai-Trace-Id", "AI-TRACE-ID"])
def test_trace_header_name_is_case_insensitive(
    server: RunningServer, account: Account, name: str
) -> None:
    body = call(server, *ROUTES[0], {"api-key": account.api_key, name: str(uuid.uuid4())})
    assert body["ErrCode"] == 0


def test_keys_are_stored_hashed(server: RunningServer, account: Account) -> None:
    raw = server.settings.data_dir.joinpath("pixforge.db").read_bytes()
    assert account.api_key.encode() not in raw
