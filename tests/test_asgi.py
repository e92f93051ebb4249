"""The ASGI application the server runs: ordinary requests through the synchronous middleware
chain in one thread switch, the live stream and static files on the event loop."""

from __future__ import annotations

import json

import pytest

from rapport.asgi import application
from rapport.core.handler import RapportASGIHandler

from .web.test_stream import run


def call(path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request to the application, as an ASGI server sends it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    received = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        if received:
            return received.pop(0)
        # The client stays connected until the answer is complete.
        import asyncio

        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    async def scenario():
        await application(scope, receive, send)

    run(scenario)
    start = next(m for m in sent if m["type"] == "http.response.start")
    response_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], response_headers, content


def test_the_server_runs_rapports_handler():
    assert isinstance(application, RapportASGIHandler)


@pytest.mark.django_db(transaction=True)
def test_a_page_goes_through_the_whole_middleware_chain():
    status, headers, content = call("/login/")
    assert status == 200
    assert b"<form" in content
    # Security, clickjacking and CSRF middleware all ran.
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert "csrftoken" in headers.get("set-cookie", "")


@pytest.mark.django_db(transaction=True)
def test_a_signed_out_visitor_is_sent_to_sign_in():
    status, headers, _ = call("/deals/")
    assert status == 302
    assert headers["location"].startswith("/login/?next=/deals/")


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_with_its_own_errors():
    status, headers, content = call("/api/v1/deals")
    assert status == 401
    status, headers, content = call("/api/v1/deals", method="PUT")
    assert status == 405
    assert headers["content-type"].startswith("application/problem+json")
    assert "GET" in headers["allow"]
    assert json.loads(content)["status"] == 405


@pytest.mark.django_db(transaction=True)
def test_static_files_are_served_on_the_event_loop():
    status, headers, content = call("/static/vendor/htmx-2.0.11.min.js")
    assert status == 200
    assert headers["content-type"].startswith("text/javascript")
    assert b"htmx" in content


@pytest.mark.django_db(transaction=True)
def test_the_live_stream_tells_a_signed_out_visitor_to_sign_in():
    # 401, not a redirect: a redirect to the sign-in page means nothing to EventSource.
    status, _, content = call("/stream/")
    assert status == 401
    assert content == b"Sign in first."



@pytest.mark.django_db(transaction=True)
def test_the_favicon_browsers_ask_for_is_the_apps_icon():
    status, headers, _ = call("/favicon.ico")
    assert status == 301
    status, headers, content = call(headers["location"])
    assert status == 200
    assert headers["content-type"].startswith("image/svg+xml")
    assert content.startswith(b"<svg")
