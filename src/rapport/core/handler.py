"""The ASGI handler `rapport serve` runs.

Django's own ASGI handler starts a thread for every request and runs each middleware hook of a
synchronous view in its own switch between the event loop and that thread: about fifteen
switches per request with our middleware, each a wake-up of the event loop and a fight for the
GIL under load. Rapport's views are synchronous except the live stream, so this handler answers
an ordinary request in one call on a pool of reused threads: the request-started signal, the
synchronous middleware chain and the view, and for a response whose body is already in memory
its close (the request-finished signal, which hands the database connection back to the pool)
all run in the same thread, as Django's connection handling expects; only the bytes are sent
from the event loop.

Django's asynchronous handler still answers the requests that need the event loop: the live
stream, which waits for the bus, and static files, which the async-only static file
middleware serves.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.db import close_old_connections
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

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
        # As many threads as a process has database connections: a request beyond that would
        # only wait for a connection in its thread instead of for a thread on the event loop.
        self._threads = ThreadPoolExecutor(max_workers=settings.RAPPORT_REQUEST_THREADS, thread_name_prefix="rapport-request")

    @staticmethod
    def on_event_loop(scope: dict[str, Any]) -> bool:
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        return path in EVENT_LOOP_PATHS or path.startswith(settings.STATIC_URL)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.on_event_loop(scope):
            await super().__call__(scope, receive, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            loop = asyncio.get_running_loop()
            # Each request runs in a copy of the loop's context, as sync_to_async would run it.
            context = contextvars.copy_context()
            response = await loop.run_in_executor(self._threads, context.run, self._answer, scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await loop.run_in_executor(self._threads, context.run, response.close)

    def _answer(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """Everything of one request that touches Django, in one thread of the pool."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self._synchronous.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if response.streaming:
            # A file's chunks are read on the event loop after this thread has moved on: the
            # database connection goes back now; response.close() runs once the body is sent.
            close_old_connections()
        else:
            # The body is in memory: closing now sends request_finished in this thread, which
            # gives the thread's database connection back before the bytes go out.
            response.close()
        return response
