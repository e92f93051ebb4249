"""The ASGI handler `rapport serve` runs.

Django's own ASGI handler runs every middleware hook of a synchronous view in its own switch
between the event loop and the view thread: about fifteen switches per request with our
middleware, each a wake-up of the event loop and a fight for the GIL under load. Rapport's views
are synchronous except the live stream, so this handler runs an ordinary request through the
synchronous middleware chain in one switch, and keeps Django's asynchronous chain for the
requests that need the event loop: the live stream, which waits for the bus, and static files,
which the async-only static file middleware serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Paths answered on the event loop.
EVENT_LOOP_PATHS = ("/stream/",)
# Middleware the synchronous chain leaves out: it only acts on paths sent to the event loop.
EVENT_LOOP_ONLY_MIDDLEWARE = ("servestatic.middleware.ServeStaticMiddleware",)


@contextmanager
def _middleware_without(left_out: tuple[str, ...]) -> Iterator[None]:
    full = settings.MIDDLEWARE
    settings.MIDDLEWARE = [path for path in full if path not in left_out]
    try:
        yield
    finally:
        settings.MIDDLEWARE = full


class _SynchronousChain(BaseHandler):
    def __init__(self) -> None:
        super().__init__()
        with _middleware_without(EVENT_LOOP_ONLY_MIDDLEWARE):
            self.load_middleware(is_async=False)


class RapportASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._synchronous = _SynchronousChain()
        self._answer_in_thread = sync_to_async(self._synchronous.get_response, thread_sensitive=True)

    def on_event_loop(self, request: HttpRequest) -> bool:
        path = request.path_info
        return path in EVENT_LOOP_PATHS or path.startswith(settings.STATIC_URL)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        if self.on_event_loop(request):
            return await super().get_response_async(request)
        return await self._answer_in_thread(request)
