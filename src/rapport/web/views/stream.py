"""/stream/: server-sent events announcing committed changes in the member's workspace (SPEC X3).

Only ids and types travel (object_type, object_id, event_type, field): a page that hears of a
change re-fetches what it shows through its own permission-checked views, so the stream never
leaks a value the member may not see.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from rapport.api.auth import member_for_session
from rapport.core import bus
from rapport.workspaces.models import Member

logger = logging.getLogger(__name__)

# Fields of a bus message that a page may learn; the rest (workspace) stays on the server.
PUBLIC_FIELDS = ("object_type", "object_id", "event_type", "field")
# Browsers wait this long before reconnecting a dropped stream.
RETRY_MS = 2000


def heartbeat_seconds() -> float:
    # Proxies close connections idle for 30-60 s; a comment every 15 s keeps the stream open.
    return float(getattr(settings, "RAPPORT_STREAM_HEARTBEAT_SECONDS", 15))


def format_change(item: dict) -> bytes:
    data = json.dumps({key: item.get(key) for key in PUBLIC_FIELDS}, separators=(",", ":"))
    return f"event: change\ndata: {data}\n\n".encode()


def _release_connection() -> None:
    """Give this request's database connection back (to the pool, on PostgreSQL).

    A stream stays open for as long as the page does, and Django closes a request's connection
    only when its response ends: without this, every open page would hold a connection and a
    few dozen pages would exhaust the pool for every other request. Inside a transaction (a
    test's), the connection is the transaction's and stays.
    """
    if not connection.in_atomic_block:
        connection.close()


def _still_allowed(member_id: int, session_key: str | None, session_engine) -> bool:
    """Is the member still active and signed in? Checked at each heartbeat."""
    try:
        if session_key is None or not session_engine.exists(session_key):
            return False
        return Member.objects.filter(pk=member_id, is_active=True, user__is_active=True).exists()
    finally:
        _release_connection()


async def _events(request: HttpRequest, member: Member) -> AsyncIterator[bytes]:
    session_key = request.session.session_key
    session_engine = request.session
    async with bus.Subscription(member.workspace_id) as subscription:
        # Sent at once so the browser sees the stream open (and proxies flush their headers).
        yield f"retry: {RETRY_MS}\n: connected\n\n".encode()
        while True:
            message = await subscription.next(timeout=heartbeat_seconds())
            if message is None:
                if not await sync_to_async(_still_allowed)(member.pk, session_key, session_engine):
                    yield b"event: end\ndata: {}\n\n"
                    return
                yield b": heartbeat\n\n"
                continue
            try:
                items = json.loads(message)
            except ValueError:
                logger.warning("ignoring a malformed bus message")
                continue
            for item in items:
                if item.get("workspace") == member.workspace_id:
                    yield format_change(item)


@login_not_required  # answers 401 itself: a redirect to the sign-in page means nothing to EventSource
@require_GET
async def stream(request: HttpRequest) -> HttpResponse:
    if not isinstance(request, ASGIRequest):
        # A WSGI server would hold a thread per open page forever; 204 tells EventSource to stop.
        return HttpResponse(status=204)
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse("Sign in first.", status=401, content_type="text/plain")
    member = await sync_to_async(member_for_session)(request)
    # The session and member reads above ran in this request's thread: release its connection.
    await sync_to_async(_release_connection)()
    if member is None:
        return HttpResponse("You are not a member of any workspace.", status=403, content_type="text/plain")
    response = StreamingHttpResponse(_events(request, member), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # nginx buffers responses by default, which would hold events back until the buffer fills.
    response["X-Accel-Buffering"] = "no"
    return response
