"""Schemathesis over the served OpenAPI document: no answer is a 5xx, every API answer is the
PixVerse envelope and matches the documented schema. Bounded and derandomized, so it is stable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.transport import Response

from tests.support.server import RunningServer, make_settings, running_server

pytestmark = pytest.mark.system

# Examples per operation and generation mode: 26 operations, 22 of them in both modes, take
# about 40 s on two busy cores.
EXAMPLES = 10
URL_FIELDS = ("image_url", "file_url")


@pytest.fixture
def fuzzed(tmp_path: Path) -> Iterator[RunningServer]:
    # No workers: accepted generations stay queued, so the run renders nothing.
    settings = make_settings(tmp_path / "d", workers=0, fetch_timeout_s=2.0)
    with running_server(settings, socket=True) as running:
        yield running


def _keep_fetches_local(case: schemathesis.Case) -> None:
    """Point generated http(s) URLs at a loopback address, so that no fuzzed upload looks a
    host name up or leaves the machine (the loopback host is refused before any connection)."""
    if not isinstance(case.body, dict):
        return
    for field in URL_FIELDS:
        value = case.body.get(field)
        if not isinstance(value, str):
            continue
        try:
            parts = urlsplit(value)
            has_host = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        except ValueError:
            continue  # unparsable: refused before any lookup, which is worth testing
        if has_host:
            case.body[field] = urlunsplit(("http", "127.0.0.1:9", parts.path, "", ""))


def _is_api(path: str) -> bool:
    return path.startswith(("/openapi/v2/", "/video/credits/"))


def _check_envelope(case: schemathesis.Case, response: Response) -> None:
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.text[:500]}"
    if case.method.upper() == "HEAD" or not (
        _is_api(case.operation.path) or response.status_code >= 400
    ):
        return
    body: Any = response.json()
    assert isinstance(body, dict) and set(body) == {"ErrCode", "ErrMsg", "Resp"}, where
    assert isinstance(body["ErrCode"], int) and not isinstance(body["ErrCode"], bool), where
    assert isinstance(body["ErrMsg"], str), where
    if body["ErrCode"] == 0:
        assert isinstance(body["Resp"], dict), where
    else:
        assert body["Resp"] is None, where


def test_fuzzing_the_served_schema(fuzzed: RunningServer) -> None:
    account = fuzzed.create_account()
    schema = schemathesis.openapi.from_url(f"{fuzzed.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 24
    checks = [
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.response_schema_conformance,
    ]
    calls = 0
    for operation in operations:
        # The other routes (files, health, metrics) take no input that can be made invalid.
        modes = [GenerationMode.POSITIVE]
        if _is_api(operation.path):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                nonlocal calls
                _keep_fetches_local(case)
                response = case.call(
                    base_url=fuzzed.base_url, headers={"API-KEY": account.api_key}, timeout=30
                )
                calls += 1
                _check_envelope(case, response)
                case.validate_response(response, checks=checks)

            call()
    assert calls >= 22 * 2 * EXAMPLES, calls
