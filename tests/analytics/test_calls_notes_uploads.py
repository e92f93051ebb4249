"""Calls (SPEC D11), notes added (D12) and latest uploads (D9)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ..factories import ActivityFactory, DealFactory
from .support import at, listed, moment, rows_by_key, widget

DAY = {"period": "custom", "start": "2025-03-12", "end": "2025-03-12"}


def call(actor, direction, when, **extra):
    with moment(when):
        return ActivityFactory(actor=actor, kind="call", subject="Call", direction=direction, done_at=when, **extra)


def test_calls_in_and_out_per_member(api_as, manager, seller, seller2, outsider):
    mine = [call(seller, "inbound", at(2025, 3, 12, 0, 0, 0)), call(seller, "inbound", at(2025, 3, 12, 10)), call(seller, "outbound", at(2025, 3, 12, 23, 59, 59))]
    theirs = call(seller2, "outbound", at(2025, 3, 12, 12))
    call(seller, "inbound", at(2025, 3, 13, 0, 0, 0))  # the next day
    call(seller, "outbound", at(2025, 3, 11, 12))  # the day before
    api = api_as(manager)
    data = widget(api, "calls", **DAY)
    rows = rows_by_key(data)
    assert (rows[f"member:{seller.pk}"]["extra"]["inbound"], rows[f"member:{seller.pk}"]["extra"]["outbound"]) == (2, 1)
    assert rows[f"member:{seller.pk}"]["display"] == "2 in · 1 out"
    assert rows[f"member:{seller2.pk}"]["value"] == 1
    assert data["number"]["value"] == 4 and data["number"]["previous"] == 1
    assert data["extra"]["inbound"] == 2 and data["extra"]["outbound"] == 2
    assert sorted(listed(api, rows[f"member:{seller.pk}"]["extra"]["inbound_link"])) == sorted(c.pk for c in mine[:2])
    assert listed(api, rows[f"member:{seller2.pk}"]["link"]) == [theirs.pk]
    assert len(listed(api, data["extra"]["outbound_link"])) == 2
    assert [d["label"] for d in data["chart"]["datasets"]] == ["Incoming", "Outgoing"]
    assert widget(api_as(seller2), "calls", **DAY)["number"]["value"] == 1
    assert widget(api_as(outsider), "calls", **DAY)["number"]["value"] == 0


def test_a_call_reported_after_the_as_of_moment_is_not_counted(api_as, admin, seller):
    with moment(at(2025, 3, 12, 18)):  # reported in the evening about a morning call
        ActivityFactory(actor=seller, kind="call", subject="Call", direction="inbound", done_at=at(2025, 3, 12, 9))
    api = api_as(admin)
    assert widget(api, "calls", as_of="2025-03-12T12:00:00+01:00", **DAY)["number"]["value"] == 0
    assert widget(api, "calls", as_of="2025-03-12T19:00:00+01:00", **DAY)["number"]["value"] == 1


def test_notes_added_per_member_with_the_latest(api_as, manager, seller, seller2):
    with moment(at(2025, 3, 12, 9)):
        ActivityFactory(actor=seller, kind="note", subject="Note", body="Asked for a discount")
    with moment(at(2025, 3, 12, 11)):
        ActivityFactory(actor=seller2, kind="note", subject="Note", body="Sent the <b>contract</b>")
    with moment(at(2025, 3, 11, 9)):
        ActivityFactory(actor=seller, kind="note", subject="Note", body="Yesterday")
    api = api_as(manager)
    data = widget(api, "notes", **DAY)
    assert data["number"]["value"] == 2 and data["number"]["previous"] == 1
    assert [n["text"] for n in data["extra"]["latest"]] == ["Sent the <b>contract</b>", "Asked for a discount"]
    assert len(listed(api, data["number"]["link"])) == 2
    assert rows_by_key(data)[f"member:{seller.pk}"]["value"] == 1
    assert data["chart"]["datasets"][0]["data"] == [2] and data["chart"]["datasets"][1]["data"] == [1]
    assert widget(api_as(seller), "notes", **DAY)["number"]["value"] == 1


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(actor, record, name, when):
    from rapport.records.services.attachments import attachment_upload

    with moment(when):
        return attachment_upload(actor=actor, record=record, file=SimpleUploadedFile(name, b"x" * 2048, content_type="application/pdf"))


def test_latest_uploads_on_records_the_member_may_see(api_as, media, manager, seller, seller2, outsider):
    with moment(at(2025, 3, 10, 9)):
        mine, theirs = DealFactory(actor=seller), DealFactory(actor=seller2)
    upload(seller, mine, "offer.pdf", at(2025, 3, 12, 9))
    upload(seller, mine, "offer.pdf", at(2025, 3, 12, 10))  # a second version
    upload(seller2, theirs, "contract.pdf", at(2025, 3, 12, 11))
    upload(seller2, theirs, "old.pdf", at(2025, 3, 11, 11))
    data = widget(api_as(manager), "latest_uploads", **DAY)
    assert data["number"]["value"] == 3 and data["number"]["previous"] == 1
    assert [(r["label"], r["extra"]["version"]) for r in data["rows"]] == [("contract.pdf", 1), ("offer.pdf", 2), ("offer.pdf", 1)]
    assert data["rows"][0]["link"] == f"/deals/{theirs.pk}/" and data["rows"][0]["display"] == "2.0 KB"
    assert [r["label"] for r in widget(api_as(seller), "latest_uploads", **DAY)["rows"]] == ["offer.pdf", "offer.pdf"]
    assert widget(api_as(outsider), "latest_uploads", **DAY)["rows"] == []
