"""The real-time bus: committed events fan out to open pages (SPEC X3).

In-process by default (one server process); with REDIS_URL set, messages travel over Redis
pub/sub so every server process sees every change. Publishing never raises into the caller:
a change is committed whether or not anyone is listening.

Listeners open a `Subscription` (an async context manager) and read messages with
`next(timeout)`, which returns None when nothing arrived in time, so a reader can send
heartbeats without tearing the subscription down. `subscribe()` is the same as a plain async
iterator for code that needs no timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = {}
_redis_client = None
_redis_url = ""

# A page that stops reading (a frozen tab) must not grow a queue without bound; it loses
# notifications instead, and refreshes everything when its stream reconnects.
QUEUE_SIZE = 1000


def channel_name(workspace_id: int) -> str:
    return f"rapport:workspace:{workspace_id}"


def _redis():
    global _redis_client, _redis_url
    # Rebuilt when the URL changes, so settings overridden in tests take effect.
    if _redis_client is None or _redis_url != settings.REDIS_URL:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
        _redis_url = settings.REDIS_URL
    return _redis_client


def publish_events(payload: list[dict[str, Any]]) -> None:
    """Send committed events to every listener of their workspace."""
    by_workspace: dict[int, list[dict[str, Any]]] = {}
    for item in payload:
        by_workspace.setdefault(item["workspace"], []).append(item)
    for workspace_id, items in by_workspace.items():
        message = json.dumps(items)
        if settings.REDIS_URL:
            try:
                _redis().publish(channel_name(workspace_id), message)
            except Exception:  # the change is committed; a lost notification only delays a page
                logger.exception("could not publish to Redis")
        else:
            _deliver_local(workspace_id, message)


def _put(queue: asyncio.Queue, message: str) -> None:
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        logger.warning("a real-time listener is not reading; dropping a notification")


def _deliver_local(workspace_id: int, message: str) -> None:
    with _lock:
        targets = list(_subscribers.get(workspace_id, ()))
    for loop, queue in targets:
        try:
            loop.call_soon_threadsafe(_put, queue, message)
        except RuntimeError:  # loop closed: the listener is gone
            pass


class Subscription:
    """Messages published for one workspace from the moment the subscription is open.

    `async with Subscription(ws_id) as sub: message = await sub.next(timeout=15)`. Each
    message is the JSON text of a list of events ({"workspace", "object_type", "object_id",
    "event_type", "field"}).
    """

    def __init__(self, workspace_id: int):
        self.workspace_id = workspace_id
        self._redis_url = settings.REDIS_URL
        self._queue: asyncio.Queue[str] | None = None
        self._entry: tuple[asyncio.AbstractEventLoop, asyncio.Queue] | None = None
        self._client: Any = None
        self._pubsub: Any = None

    async def open(self) -> None:
        if self._redis_url:
            import redis.asyncio as aredis

            self._client = aredis.Redis.from_url(self._redis_url)
            self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            # Awaited here, so a message published after open() returns is never missed.
            await self._pubsub.subscribe(channel_name(self.workspace_id))
            return
        self._queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._entry = (asyncio.get_running_loop(), self._queue)
        with _lock:
            _subscribers.setdefault(self.workspace_id, set()).add(self._entry)

    async def next(self, timeout: float | None = None) -> str | None:
        """The next message, or None when `timeout` seconds pass without one."""
        if self._pubsub is not None:
            return await self._next_redis(timeout)
        if self._queue is None:
            raise RuntimeError("open the subscription first")
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    async def _next_redis(self, timeout: float | None) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            # get_message(timeout=None) would block forever even for control messages; poll in
            # slices so a subscribe confirmation does not end the wait early.
            wait = 1.0 if remaining is None else min(remaining, 1.0)
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
            if message is not None and message.get("type") == "message":
                data = message["data"]
                return data.decode() if isinstance(data, bytes) else data
            if deadline is not None and loop.time() >= deadline:
                return None

    async def close(self) -> None:
        if self._entry is not None:
            with _lock:
                listeners = _subscribers.get(self.workspace_id)
                if listeners is not None:
                    listeners.discard(self._entry)
                    if not listeners:
                        del _subscribers[self.workspace_id]
            self._entry = None
        if self._pubsub is not None:
            pubsub, client = self._pubsub, self._client
            self._pubsub = self._client = None
            try:
                await pubsub.unsubscribe(channel_name(self.workspace_id))
                await pubsub.aclose()
            finally:
                await client.aclose()

    async def __aenter__(self) -> Subscription:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def listener_count(workspace_id: int) -> int:
    """How many in-process listeners a workspace has (for tests and diagnostics)."""
    with _lock:
        return len(_subscribers.get(workspace_id, ()))


async def subscribe(workspace_id: int) -> AsyncIterator[str]:
    """Yield each message published for the workspace, as JSON text, until closed."""
    async with Subscription(workspace_id) as subscription:
        while True:
            message = await subscription.next()
            if message is not None:
                yield message
