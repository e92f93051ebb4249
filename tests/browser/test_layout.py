"""Every main page of the demo workspace in Chromium, at desktop (1280 px) and phone (390 px)
width: it loads without a server or script error, nothing sticks out sideways, the keyboard focus
is visible, and a screenshot of each lands in test-artifacts/screenshots/."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from rapport.core.management.demo import DEMO_PASSWORD, build_demo
from rapport.records.models import Account, Activity, Contact, Deal, Lead
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import can, visible_to

WIDTHS = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}
RECORDS = {
    "accounts": Account,
    "contacts": Contact,
    "leads": Lead,
    "deals": Deal,
    "activities": Activity,
}


@dataclass
class Demo:
    seller: Member
    pages: dict[str, str]


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(transactional_db) -> Demo:
    """The demo workspace, and the main pages a seller of it works with, by screenshot name."""
    summary = build_demo(slug="demo", seed=1)
    seller = Member.objects.select_related("workspace").get(
        workspace=summary.workspace, user__username=summary.seller_email
    )
    pages = {
        "dashboard": "/",
        "board": "/deals/board/",
        "events": "/events/",
        "search": "/search/?q="
        + visible_to(seller, Account).order_by("id").first().name.split()[0],
    }
    for slug, model in RECORDS.items():
        record = next(
            (
                r
                for r in visible_to(seller, model).order_by("-updated_at", "-id")[:50]
                if can(seller, "edit", r)
            ),
            None,
        )
        assert record is not None, f"the demo seller may edit none of the latest {slug}"
        pages[f"{slug}-list"] = f"/{slug}/"
        pages[f"{slug}-detail"] = f"/{slug}/{record.pk}/"
        pages[f"{slug}-history"] = f"/{slug}/{record.pk}/history/"
        pages[f"{slug}-edit"] = f"/{slug}/{record.pk}/edit/"
        pages[f"{slug}-new"] = f"/{slug}/new/"
    return Demo(seller=seller, pages=pages)


def watch_for_errors(page: Page, base: str) -> list[str]:
    """Collect every failed answer of the site and every uncaught script error of the page."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.url.startswith(base) and r.status >= 400
            else None
        ),
    )
    return errors


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing sticks out sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def assert_focus_visible(page: Page) -> None:
    """Tab to the first control of the main content and check that it shows a focus ring."""
    page.locator("#main").focus()
    page.keyboard.press("Tab")
    ring = page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return { inMain: !!el.closest('#main'), shadow: style.boxShadow, outline: style.outlineStyle };
        }"""
    )
    assert ring["inMain"], "Tab from the content did not reach a control in it"
    assert ring["shadow"] != "none" or ring["outline"] != "none", (
        "the focused control shows no focus ring"
    )


def walk_the_phone_menu(page: Page) -> None:
    """At phone width the sections sit behind the menu button: each opens, fits and works."""
    nav = page.get_by_role("navigation", name="Sections")
    menu = page.get_by_role("button", name="Menu")
    for section in ("Leads", "Deals", "Board", "Accounts", "Contacts", "Activities", "Events"):
        menu.click()
        link = nav.get_by_role("link", name=re.compile(rf"^{section}\b"))
        expect(link).to_be_in_viewport()
        link.click()
        expect(page.locator("#main h1").first).to_be_visible()
        expect(nav).to_be_hidden()
        assert overflow(page) <= 0, f"{page.url} is wider than the phone"


def test_main_pages_fit_desktop_and_phone_in_the_demo_workspace(
    live_server, page: Page, demo: Demo, screenshot
):
    # One test for both widths: building the demo workspace is what takes the time.
    base = live_server.url
    errors = watch_for_errors(page, base)
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.goto(f"{base}/login/?next=/deals/board/")
        assert overflow(page) <= 0, f"the sign-in page is wider than {width} px"
        screenshot(page, f"layout-login-{width}")
    page.get_by_label("E-mail").fill(demo.seller.user.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/deals/board/")

    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        for name, path in demo.pages.items():
            page.goto(f"{base}{path}")
            expect(page.locator("#main h1").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert overflow(page) <= 0, f"{path} is {overflow(page)} px wider than {width} px"
            screenshot(page, f"layout-{name}-{width}")  # before the focus check scrolls the page
            assert_focus_visible(page)
    walk_the_phone_menu(page)
    assert not errors, errors
