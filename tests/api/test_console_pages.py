"""The console over HTTP without a browser: the switch, the links from /, redirects to sign-in,
cookie attributes and security headers, CSRF on sign-in (the browser tests are in
tests/system/test_console.py)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.server import RunningServer, make_settings, running_server


def test_get_root_links_the_console_and_the_docs(server: RunningServer) -> None:
    assert server.http is not None
    page = server.http.get("/")
    assert 'href="/console/"' in page.text and 'href="/docs"' in page.text


def test_pages_need_a_session_and_answer_with_security_headers(server: RunningServer) -> None:
    http = server.http
    assert http is not None
    for path in ("/console/", "/console/gallery", "/console/usage", "/console/operator"):
        answer = http.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/login")
    login = http.get("/console/login")
    assert login.status_code == 200
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    assert login.headers["x-frame-options"] == "DENY"
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    # htmx requests are sent to the sign-in page by a header, not a redirect it would follow.
    fragment = http.get("/console/generations/1/card", headers={"HX-Request": "true"})
    assert fragment.headers["hx-redirect"] == "/console/login"


def test_sign_in_takes_the_form_token_and_a_valid_key(server: RunningServer) -> None:
    http = server.http
    assert http is not None
    account = server.create_account()
    page = http.get("/console/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    refused = http.post("/console/login", data={"key": account.api_key, "csrf": "forged"})
    assert refused.status_code == 403
    wrong = http.post("/console/login", data={"key": "pf-not-a-key-0123456", "csrf": token[1]})
    assert wrong.status_code == 401 and "Error 10002" in wrong.text
    ok = http.post(
        "/console/login",
        data={"key": account.api_key, "csrf": token[1]},
        follow_redirects=False,
    )
    assert (ok.status_code, ok.headers["location"]) == (303, "/console/")
    assert http.get("/console/usage").status_code == 200


def test_the_console_can_be_switched_off(tmp_path: Path) -> None:
    with running_server(make_settings(tmp_path / "data", console=False)) as off:
        assert off.http is not None
        assert off.http.get("/console/login").status_code == 404
        assert "/console" not in off.http.get("/").text


def test_a_session_ends_when_its_key_is_disabled(server: RunningServer) -> None:
    http = server.http
    assert http is not None
    account = server.create_account()
    token = re.search(r'name="csrf" value="([^"]+)"', http.get("/console/login").text)
    assert token is not None
    http.post("/console/login", data={"key": account.api_key, "csrf": token[1]})
    assert http.get("/console/usage").status_code == 200
    server.state.accounts.set_key_disabled(account.key_id)
    answer = http.get("/console/usage", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/login")
    # The sign-in page shows the form again (no redirect loop) with a new anonymous session.
    login = http.get("/console/login", follow_redirects=False)
    assert login.status_code == 200 and 'name="key"' in login.text
    assert http.get("/console/usage", follow_redirects=False).status_code == 303
