"""Real time (SPEC X3) against real uvicorn processes: a board open in one browser follows, within
a second, a drag made in another browser and a change made through the API; so does a list.

pytest-django's live_server is WSGI and buffers streaming responses, so these tests start
`uvicorn rapport.asgi:application` on a database of their own: a SQLite file, or a fresh
PostgreSQL database when DATABASE_URL is set. They run twice: with the in-process bus (one
server) and with Redis pub/sub (two servers, each browser on its own, as behind a load balancer).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ..conftest import PASSWORD
from .test_board import drag

REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIVE_WITHIN_MS = 1000

SEED = """
import json
import django
django.setup()
from decimal import Decimal
from rapport.records import services
from rapport.records.models import Pipeline
from rapport.workspaces.services import member_create, token_create, workspace_create

password = {password!r}
ws = workspace_create(name="Acme", slug="acme", time_zone="Europe/Madrid")
admin = member_create(actor=None, workspace=ws, email="admin@acme.test", role="Administrator", password=password)
manager = member_create(actor=None, workspace=ws, email="manager@acme.test", role="Sales manager", password=password, first_name="Max")
seller = member_create(actor=None, workspace=ws, email="seller@acme.test", role="Seller", manager=manager, password=password, first_name="Sam")
pipeline = Pipeline.objects.get(workspace=ws)
stages = list(pipeline.stages.order_by("position").values_list("id", flat=True))
printers = services.deal_create(actor=seller, data={{"name": "Printers", "pipeline": pipeline.pk, "amount": Decimal("1200")}})
paper = services.deal_create(actor=seller, data={{"name": "Paper", "pipeline": pipeline.pk, "amount": Decimal("300")}})
_, key = token_create(actor=None, member=seller, name="real-time test")
print(json.dumps({{"stages": stages, "printers": printers.pk, "paper": paper.pk, "token": key}}))
"""


@dataclass
class Site:
    urls: list[str]
    data: dict


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_postgres(url: str) -> tuple[str, str]:
    """A new database on the server of DATABASE_URL; returns its URL and name."""
    import psycopg

    name = f"rapport_rt_{uuid.uuid4().hex[:10]}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError("uvicorn did not start in time")


def start_site(tmp: Path, servers: int, redis_url: str = "") -> Iterator[Site]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "rapport.settings", "RAPPORT_DATA_DIR": str(tmp), "RAPPORT_LOG_LEVEL": "WARNING"})
    pg = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        db_url, db_name = _fresh_postgres(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = db_url
        pg = (os.environ["DATABASE_URL"], db_name)
    if redis_url:
        env["REDIS_URL"] = redis_url
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run([sys.executable, "-m", "rapport.cli", "migrate", "--noinput", "-v0"], env=env, check=True, timeout=600)
        seeded = subprocess.run(
            [sys.executable, "-c", SEED.format(password=PASSWORD)], env=env, check=True, capture_output=True, text=True, timeout=300
        )
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        urls = []
        for _ in range(servers):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "rapport.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--log-level", "warning", "--timeout-graceful-shutdown", "2"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_until_serving(url, process)
        yield Site(urls=urls, data=data)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if pg:
            _drop_postgres(*pg)


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


@pytest.fixture(params=["in-process", "redis"])
def site(request, tmp_path) -> Iterator[Site]:
    if request.param == "redis":
        if not _redis_available():
            pytest.skip(f"no Redis server at {REDIS_URL}")
        yield from start_site(tmp_path, servers=2, redis_url=REDIS_URL)
    else:
        yield from start_site(tmp_path, servers=1)


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/?next=/deals/board/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/deals/board/")


def wait_live(page: Page) -> None:
    page.wait_for_function("document.documentElement.dataset.live === 'on'", timeout=10000)


def test_a_board_and_a_list_follow_changes_made_elsewhere_within_a_second(site: Site, page: Page, browser: Browser, browser_context_args, screenshot):
    stages, printers, paper = site.data["stages"], site.data["printers"], site.data["paper"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{site.urls[0]}/stream/", timeout=5)
    assert refused.value.code == 401
    watcher_context = browser.new_context(**browser_context_args)
    try:
        watcher = watcher_context.new_page()
        # The manager watches (on the last server); the seller works (on the first).
        sign_in(watcher, site.urls[-1], "manager@acme.test")
        expect(watcher.locator(f"#stage-{stages[0]}-cards #deal-{printers}")).to_be_visible()
        wait_live(watcher)
        sign_in(page, site.urls[0], "seller@acme.test")
        expect(page.locator(f"#deal-{printers}")).to_be_visible()

        with page.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url) as moved:
            drag(page, f"#deal-{printers}", f"#stage-{stages[1]}-cards")
        assert moved.value.ok
        expect(watcher.locator(f"#stage-{stages[1]}-cards #deal-{printers}")).to_be_visible(timeout=LIVE_WITHIN_MS)
        expect(watcher.locator(f"#stage-{stages[1]}-stats")).to_contain_text("1 deal", timeout=LIVE_WITHIN_MS)
        expect(watcher.locator(f"#stage-{stages[0]}-stats")).to_contain_text("1 deal", timeout=LIVE_WITHIN_MS)

        with page.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url):
            drag(page, f"#deal-{printers}", f"#stage-{stages[2]}-cards")
        expect(watcher.locator(f"#stage-{stages[2]}-cards #deal-{printers}")).to_be_visible(timeout=LIVE_WITHIN_MS)
        screenshot(watcher, f"realtime-watcher-{len(site.urls)}-servers")

        # The watcher also has the deals list open, in another tab.
        listing = watcher_context.new_page()
        listing.goto(f"{site.urls[-1]}/deals/")
        paper_link = listing.locator(f'a[href="/deals/{paper}/"]')
        paper_row = listing.locator("#records-results tbody tr", has=paper_link)
        expect(paper_row).to_contain_text("Open")
        wait_live(listing)

        # A change through the API reaches both open boards and the list too.
        request = urllib.request.Request(
            f"{site.urls[0]}/api/v1/deals/{paper}/won", data=b"", method="POST", headers={"Authorization": f"Bearer {site.data['token']}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        expect(watcher.locator(f"#deal-{paper}")).to_have_count(0, timeout=LIVE_WITHIN_MS)
        expect(page.locator(f"#deal-{paper}")).to_have_count(0, timeout=LIVE_WITHIN_MS)
        expect(watcher.locator(f"#stage-{stages[0]}-stats")).to_contain_text("0 deals", timeout=LIVE_WITHIN_MS)
        expect(paper_row).to_contain_text("Won", timeout=LIVE_WITHIN_MS)
        screenshot(listing, f"realtime-list-{len(site.urls)}-servers")
    finally:
        watcher_context.close()

