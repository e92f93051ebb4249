"""Markup typed into the forms, in Chromium: every text box of every record form gets HTML and
script, and no page that shows them afterwards (including the ones drawn by scripts: the board's
cards, the search suggestions, the dashboard's widgets) runs the script or grows the elements."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from rapport.records import services
from rapport.records.models import Deal

from .test_records_pages import sign_in

PAYLOAD = '<i class="xss-probe">zebra</i><script>window.__xss = 1</script><img class="xss-probe" src=x onerror="window.__xss = 1">'
TEXT_BOXES = "form.record-form :is(input[type=text], input:not([type]), textarea):visible"
FORMS = ("accounts", "contacts", "leads", "deals", "activities")


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def injected(page: Page) -> dict:
    return page.evaluate(
        "() => ({ ran: window.__xss === 1, elements: document.querySelectorAll('.xss-probe').length })"
    )


def fill_every_text_box(page: Page) -> dict[str, str]:
    """Type the payload into every text box; answers what each box held before."""
    boxes = page.locator(TEXT_BOXES)
    before = {}
    for i in range(boxes.count()):
        box = boxes.nth(i)
        before[box.get_attribute("name") or ""] = box.input_value()
        limit = box.get_attribute("maxlength")
        box.fill(PAYLOAD[: int(limit)] if limit else PAYLOAD)
    return before


def submit_refusing_formatted_fields(page: Page, slug: str, before: dict[str, str]) -> list[str]:
    """Submit; fields with a format of their own (an e-mail, a currency code) refuse the markup,
    so put back what they held and submit again. Answers the names of the refused fields."""
    refused: list[str] = []
    for _ in range(3):
        page.locator("form.record-form button[type=submit]").click()
        page.wait_for_load_state("domcontentloaded")
        if re.search(rf"/{slug}/\d+/$", page.url):
            return refused
        invalid = page.locator("form.record-form [aria-invalid=true]")
        assert invalid.count(), (
            f"/{slug}/new/ was refused with no field marked: {page.locator('#form-errors').inner_text()}"
        )
        for i in range(invalid.count()):
            name = invalid.nth(i).get_attribute("name") or ""
            refused.append(name)
            invalid.nth(i).fill(before.get(name, ""))
    raise AssertionError(f"/{slug}/new/ still refused after restoring {refused}")


def test_markup_typed_into_every_form_stays_text_on_every_page(
    transactional_db, live_server, page: Page, admin, screenshot
):
    for record_type in ("account", "contact", "lead", "deal", "activity"):
        services.custom_field_create(
            actor=admin,
            data={"record_type": record_type, "key": "note", "label": "Note", "field_type": "text"},
        )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, admin)
    base = live_server.url

    created: dict[str, str] = {}
    for slug in FORMS:
        page.goto(f"{base}/{slug}/new/")
        before = fill_every_text_box(page)
        refused = submit_refusing_formatted_fields(page, slug, before)
        assert set(refused) <= {
            "emails",
            "phones",
            "website",
            "country",
            "email",
            "phone",
            "currency",
            "recording_url",
        }, refused
        created[slug] = page.url
        expect(page.locator("#main h1")).to_contain_text("<i class=")
        assert injected(page) == {"ran": False, "elements": 0}, page.url

    deal = Deal.objects.get()
    urls = [
        *created.values(),
        *(f"{url}history/" for url in created.values()),
        *(f"{url}edit/" for url in created.values()),
        *(f"{base}/{slug}/" for slug in FORMS),
        f"{base}/deals/board/?pipeline={deal.pipeline_id}",
        f"{base}/events/",
        f"{base}/search/?q=zebra",
        f"{base}/",
    ]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert injected(page) == {"ran": False, "elements": 0}, url
    expect(page.locator(f"#deal-{deal.pk}")).to_have_count(0)  # the dashboard, last: no board here

    page.goto(f"{base}/deals/board/?pipeline={deal.pipeline_id}")
    expect(page.locator(f"#deal-{deal.pk} .deal-card-name")).to_contain_text("<script>")
    screenshot(page, "inert-board")
    box = page.locator("#global-search-input")
    box.press_sequentially("zebra", delay=40)
    expect(page.locator("#global-search-suggestions a.search-suggest-link").first).to_be_visible()
    assert injected(page) == {"ran": False, "elements": 0}
    screenshot(page, "inert-search-suggestions")
    assert not dialogs, dialogs
