"""The real-time bus: committed events fan out to open pages (SPEC X3).

In-process by default (one server process); with REDIS_URL set, messages travel over Redis
pub/sub so every server process sees every change. Publishing never raises into the caller:
a change is committed whether or not anyone is listening.
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


def channel_name(workspace_id: int) -> str:
    return f"rapport:workspace:{workspace_id}"


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
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


def _deliver_local(workspace_id: int, message: str) -> None:
    with _lock:
        targets = list(_subscribers.get(workspace_id, ()))
    for loop, queue in targets:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, message)
        except RuntimeError:  # loop closed: the listener is gone
            pass


async def subscribe(workspace_id: int) -> AsyncIterator[str]:
    """Yield each message published for the workspace, as JSON text, until cancelled."""
    if settings.REDIS_URL:
        import redis.asyncio as aredis

        client = aredis.Redis.from_url(settings.REDIS_URL)
        pubsub = client.pubsub()
        await pubsub.subscribe(channel_name(workspace_id))
        try:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    data = message["data"]
                    yield data.decode() if isinstance(data, bytes) else data
        finally:
            await pubsub.unsubscribe(channel_name(workspace_id))
            await client.aclose()
        return
    queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1000)
    entry = (asyncio.get_running_loop(), queue)
    with _lock:
        _subscribers.setdefault(workspace_id, set()).add(entry)
    try:
        while True:
            yield await queue.get()
    finally:
        with _lock:
            _subscribers.get(workspace_id, set()).discard(entry)
