"""Attachments: upload with an event, versions of the same document, size limit, permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.core.errors import NotFound, PermissionDenied
from rapport.events.models import EventType
from rapport.records.models import Attachment
from rapport.records.services import attachment_upload
from rapport.records.services.attachments import MAX_SIZE, attachments_of

from ..factories import AccountFactory, ActivityFactory, DealFactory
from .helpers import events_of, unchanged


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(name: str = "offer.pdf", content: bytes = b"%PDF-1.7 offer") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_upload_stores_the_file_and_logs_a_linked_event(seller):
    deal = DealFactory(actor=seller)
    attachment = attachment_upload(actor=seller, record=deal, file=_file())
    assert (attachment.object_type, attachment.object_id, attachment.version) == ("deal", deal.pk, 1)
    assert attachment.uploaded_by_id == seller.pk and attachment.size == len(b"%PDF-1.7 offer")
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.7 offer"
    [event] = events_of(deal, EventType.LINKED)
    assert event.field == "attachments" and event.after == {"id": attachment.pk, "name": "offer.pdf", "version": 1}


def test_same_name_is_a_new_version_of_the_document(seller):
    account = AccountFactory(actor=seller)
    first = attachment_upload(actor=seller, record=account, file=_file())
    other = attachment_upload(actor=seller, record=account, file=_file("notes.txt", b"n"))
    second = attachment_upload(actor=seller, record=account, file=_file(content=b"v2"))
    assert (second.version, second.previous_id) == (2, first.pk)
    assert other.version == 1
    # A version can also replace a document by pointing at it, whatever the new file is called.
    third = attachment_upload(actor=seller, record=account, file=_file("offer-final.pdf", b"v3"), replaces=first)
    assert (third.name, third.version, third.previous_id) == ("offer.pdf", 3, second.pk)
    assert list(attachments_of(account).values_list("name", "version")) == [("offer.pdf", 3), ("offer.pdf", 2), ("notes.txt", 1), ("offer.pdf", 1)]


def test_notes_tasks_and_messages_take_attachments_too(seller):
    note = ActivityFactory(actor=seller, kind="note", subject="Minutes")
    assert attachment_upload(actor=seller, record=note, file=_file()).object_type == "activity"


def test_too_large_or_missing_file_is_refused(seller):
    deal = DealFactory(actor=seller)
    big = SimpleUploadedFile("huge.bin", b"\0" * (MAX_SIZE + 1))
    with unchanged(), pytest.raises(ValidationError) as exc:
        attachment_upload(actor=seller, record=deal, file=big)
    assert "25 MB" in exc.value.message_dict["file"][0]
    with unchanged(), pytest.raises(ValidationError):
        attachment_upload(actor=seller, record=deal, file=None)


def test_a_file_of_exactly_25_mb_is_accepted(seller):
    deal = DealFactory(actor=seller)
    assert attachment_upload(actor=seller, record=deal, file=SimpleUploadedFile("max.bin", b"\0" * MAX_SIZE)).size == MAX_SIZE


def test_denied_upload_changes_nothing(admin, seller, seller2, outsider):
    account = AccountFactory(actor=admin)  # sellers see it but edit only their own accounts
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(PermissionDenied):
        attachment_upload(actor=seller, record=account, file=_file())
    with unchanged(), pytest.raises(NotFound):
        attachment_upload(actor=seller2, record=deal, file=_file())
    with unchanged(), pytest.raises(NotFound):
        attachment_upload(actor=outsider, record=deal, file=_file())
    assert not Attachment.objects.exists()


def test_replacing_a_file_of_another_record_is_refused(seller):
    deal, other = DealFactory(actor=seller), DealFactory(actor=seller)
    foreign = attachment_upload(actor=seller, record=other, file=_file())
    with unchanged(), pytest.raises(ValidationError):
        attachment_upload(actor=seller, record=deal, file=_file(), replaces=foreign)


def test_a_path_in_the_file_name_is_dropped(seller):
    deal = DealFactory(actor=seller)
    attachment = attachment_upload(actor=seller, record=deal, file=_file("../../etc/passwd"))
    assert attachment.name == "passwd"
    assert ".." not in attachment.file.name
