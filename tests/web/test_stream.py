"""The real-time bus (in-process and Redis) and the /stream/ server-sent-events view."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient, Client

from rapport.core import bus
from rapport.workspaces.services import member_update

from ..factories import DealFactory


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def local_bus(settings):
    settings.REDIS_URL = ""


@pytest.fixture
def redis_bus(settings):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    settings.REDIS_URL = url
    return url


def item(workspace: int, object_id: int = 1, event_type: str = "created") -> dict:
    return {"workspace": workspace, "object_type": "deal", "object_id": object_id, "event_type": event_type, "field": ""}


def run(scenario: Callable) -> None:
    # async_to_sync from the test's thread: the view's sync_to_async calls run back in this
    # thread, inside the test's database transaction. Playwright's sync API (browser tests in
    # the same session) leaves its event loop marked as running in this thread, which
    # async_to_sync refuses; it is set aside for the scenario and put back after.
    leaked = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        async_to_sync(scenario)()
    finally:
        asyncio._set_running_loop(leaked)


# --- the bus ---------------------------------------------------------------------------------------


def _bus_round_trip() -> None:
    # Workspace ids no other test run uses, since a Redis server is shared by every process.
    ours, theirs = random.randrange(10**9, 2 * 10**9), random.randrange(2 * 10**9, 3 * 10**9)

    async def scenario():
        async with bus.Subscription(ours) as mine, bus.Subscription(theirs) as other:
            # Published from another thread, as a view's on_commit does.
            await asyncio.to_thread(bus.publish_events, [item(ours, 7), item(theirs, 8), item(ours, 9, "won")])
            message = await mine.next(timeout=2)
            assert json.loads(message) == [item(ours, 7), item(ours, 9, "won")]
            assert json.loads(await other.next(timeout=2)) == [item(theirs, 8)]
            assert await mine.next(timeout=0.2) is None

    run(scenario)


def test_in_process_bus_delivers_each_workspace_its_own_events(local_bus):
    _bus_round_trip()


def test_redis_bus_delivers_each_workspace_its_own_events(redis_bus):
    _bus_round_trip()


def test_redis_bus_reaches_a_listener_in_another_process(redis_bus):
    """Publish through a plain Redis connection, as another server process would."""
    import redis

    workspace = random.randrange(3 * 10**9, 4 * 10**9)

    async def scenario():
        async with bus.Subscription(workspace) as subscription:
            redis.Redis.from_url(redis_bus).publish(bus.channel_name(workspace), json.dumps([item(workspace, 5)]))
            assert json.loads(await subscription.next(timeout=2)) == [item(workspace, 5)]

    run(scenario)


@pytest.mark.parametrize("backend", ["local_bus", "redis_bus"])
def test_subscribe_iterator_yields_until_closed(backend, request):
    request.getfixturevalue(backend)
    workspace = random.randrange(4 * 10**9, 5 * 10**9)

    async def scenario():
        stream = bus.subscribe(workspace)
        waiting = asyncio.ensure_future(stream.__anext__())
        # The subscription opens on first iteration; publish until it is there to hear.
        for _ in range(50):
            await asyncio.to_thread(bus.publish_events, [item(workspace, 3)])
            done, _ = await asyncio.wait({waiting}, timeout=0.1)
            if done:
                break
        assert json.loads(waiting.result()) == [item(workspace, 3)]
        await stream.aclose()
        assert bus.listener_count(workspace) == 0

    run(scenario)


def test_in_process_listener_is_removed_when_closed(local_bus):
    async def scenario():
        async with bus.Subscription(42):
            assert bus.listener_count(42) == 1
        assert bus.listener_count(42) == 0
        # Publishing to nobody is fine.
        bus.publish_events([item(42)])

    run(scenario)


def test_publishing_to_an_unreachable_redis_does_not_raise(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    bus.publish_events([item(1)])
    assert "could not publish to Redis" in caplog.text


# --- the stream view ------------------------------------------------------------------------------


def async_client_for(web: Client) -> AsyncClient:
    client = AsyncClient()
    client.cookies = web.cookies
    return client


async def read_chunk(response, timeout: float = 2.0) -> str:
    chunk = await asyncio.wait_for(response.streaming_content.__anext__(), timeout)
    return chunk.decode()


def test_stream_needs_a_signed_in_user(db):
    async def scenario():
        response = await AsyncClient().get("/stream/")
        assert response.status_code == 401

    run(scenario)


def test_stream_needs_a_membership(seller, admin, web_as):
    web = web_as(seller)
    member_update(actor=admin, member=seller, data={"is_active": False})

    async def scenario():
        response = await async_client_for(web).get("/stream/")
        assert response.status_code == 403

    run(scenario)


def test_stream_under_wsgi_tells_the_browser_to_stop(seller, web_as):
    assert web_as(seller).get("/stream/").status_code == 204


def test_stream_sends_only_ids_and_types_of_own_workspace_changes(local_bus, seller, outsider, web_as, django_capture_on_commit_callbacks):
    web = web_as(seller)

    async def scenario():
        response = await async_client_for(web).get("/stream/")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert response["Cache-Control"] == "no-cache"
        assert (await read_chunk(response)).startswith("retry: ")

        def change_things():
            with django_capture_on_commit_callbacks(execute=True):
                DealFactory(actor=outsider, name="Globex secret")
            with django_capture_on_commit_callbacks(execute=True):
                return DealFactory(actor=seller, name="Acme news")

        deal = await sync_to_async(change_things)()
        chunk = await read_chunk(response)
        assert chunk.startswith("event: change\ndata: ")
        data = json.loads(chunk.split("data: ", 1)[1])
        assert data == {"object_type": "deal", "object_id": deal.pk, "event_type": "created", "field": ""}
        assert "Acme news" not in chunk and "workspace" not in chunk
        # A browser going away cancels the response task (Django's ASGI handler does so on
        # http.disconnect): the stream must leave the bus.
        reading = asyncio.ensure_future(read_chunk(response, timeout=10))
        await asyncio.sleep(0.05)
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
        assert bus.listener_count(seller.workspace_id) == 0

    run(scenario)


def test_stream_sends_heartbeats_and_ends_when_signed_out(local_bus, seller, web_as, settings):
    settings.RAPPORT_STREAM_HEARTBEAT_SECONDS = 0.05
    web = web_as(seller)

    async def scenario():
        response = await async_client_for(web).get("/stream/")
        await read_chunk(response)
        assert await read_chunk(response) == ": heartbeat\n\n"
        await sync_to_async(web.logout)()
        assert (await read_chunk(response)).startswith("event: end")
        with pytest.raises(StopAsyncIteration):
            await read_chunk(response)
        assert bus.listener_count(seller.workspace_id) == 0

    run(scenario)


def test_stream_refuses_other_methods(seller, web_as):
    assert web_as(seller).post("/stream/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_an_open_stream_holds_no_database_connection(local_bus, settings, web_as, workspace, seller):
    # Outside a test transaction, as in production: a page left open must not keep one of the
    # pool's connections, or a few dozen open pages would starve every other request.
    from django.db import connection
    from django.db.backends.signals import connection_created

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database keeps its one connection whatever the code does")
    settings.RAPPORT_STREAM_HEARTBEAT_SECONDS = 0.05
    web = web_as(seller)
    opened = []

    def remember(sender, connection, **kwargs):
        opened.append(connection)

    async def scenario():
        connection_created.connect(remember)
        try:
            response = await async_client_for(web).get("/stream/")
            assert response.status_code == 200
            await read_chunk(response)
            assert await read_chunk(response) == ": heartbeat\n\n"  # checked the member again
        finally:
            connection_created.disconnect(remember)
        assert opened, "the stream read the session and the member from the database"
        assert all(c.connection is None for c in opened), "an open stream still holds a connection"

    run(scenario)
