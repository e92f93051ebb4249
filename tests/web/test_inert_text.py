"""HTML and script typed into any text field render as text on every page that shows them.

The text fields are found from the record services' writable fields, so a field added later is
covered the day it exists. Each field gets its own marker tag (`<i id=xssN>`), followed, where the
field is long enough, by a script, an image with an `onerror` handler and a word to search for.
Every page of the web app that shows records is rendered: lists with every column, detail,
history and edit pages, the board, the Events page, search results and suggestions. No marker may
appear as markup anywhere, and each accepted field's marker must appear as text somewhere, so a
field no page shows cannot pass unnoticed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client

from rapport.records import services
from rapport.records.models import Account, Activity, Contact, Deal, Lead
from rapport.records.services.accounts import ACCOUNT_FIELDS
from rapport.records.services.activities import ACTIVITY_FIELDS
from rapport.records.services.contacts import CONTACT_FIELDS
from rapport.records.services.deals import DEAL_CREATE_FIELDS
from rapport.records.services.leads import LEAD_FIELDS
from rapport.records.services.savedfilters import saved_filter_create
from rapport.web.views.records_common import BY_TYPE

from ..conftest import add_member
from .records_fixtures import fast_passwords, media_root, text  # noqa: F401

WRITABLE = {
    Account: ACCOUNT_FIELDS,
    Contact: CONTACT_FIELDS,
    Lead: LEAD_FIELDS,
    Deal: DEAL_CREATE_FIELDS,
    Activity: ACTIVITY_FIELDS,
}
ACTIVE = "<script>alert(1)</script><img src=x onerror=alert(1)> zebra"
# A choice of a custom choice field, typed by an administrator.
CHOICE = '<i id=xss-choice>"quoted" & more'
RAW_MARKUP = re.compile(r"<i id=xss[-\w]+>|<script>alert\(1\)|<img src=x", re.IGNORECASE)


class Markers:
    """Hands out one payload per text field and remembers which field got which marker."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def payload(self, name: str, max_length: int | None = None) -> str:
        marker = f"<i id=xss{len(self.fields)}>"
        self.fields[name] = marker
        full = f"{marker}{ACTIVE}"
        return full if max_length is None or len(full) <= max_length else marker

    def forget(self, name: str) -> None:
        self.fields.pop(name)


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """The free-text fields a member may type into: text columns without fixed choices, and the
    JSON lists of e-mails, phones and messengers."""
    found = []
    for name in WRITABLE[model]:
        field = model._meta.get_field(name)
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            found.append(field)
        elif isinstance(field, models.JSONField):
            found.append(field)
    return found


def json_payload(field: models.JSONField, value: str) -> Any:
    return {"telegram": value} if field.name == "messengers" else [value]


def create_with_every_text_field(
    markers: Markers, model: type[models.Model], create, base: dict[str, Any]
) -> tuple[Any, set[str]]:
    """Create one record with a payload in every text field, leaving out the fields whose
    validation refuses it (an e-mail, a web address, a currency code: nothing to render)."""
    data = dict(base)
    for field in text_fields(model):
        name = f"{model.RECORD_TYPE}.{field.name}"
        value = markers.payload(name, getattr(field, "max_length", None))
        data[field.name] = (
            json_payload(field, value) if isinstance(field, models.JSONField) else value
        )
    data["custom"] = {"note": markers.payload(f"{model.RECORD_TYPE}.custom.note"), "mood": CHOICE}
    refused: set[str] = set()
    while True:
        try:
            return create(data), refused
        except ValidationError as error:
            bad = set(error.message_dict) - {"__all__"}
            assert bad and bad <= set(data) - set(base), f"{model.__name__}: {error.message_dict}"
            for name in bad:
                data.pop(name)
                markers.forget(f"{model.RECORD_TYPE}.{name}")
                refused.add(name)


@pytest.fixture
def hostile(workspace, admin) -> dict[str, Any]:
    """A workspace whose every text was typed by someone trying to inject markup."""
    markers = Markers()
    for record_type in BY_TYPE:
        services.custom_field_create(
            actor=admin,
            data={
                "record_type": record_type,
                "key": "note",
                "label": markers.payload(f"{record_type}.custom.label", 100),
                "field_type": "text",
            },
        )
        services.custom_field_create(
            actor=admin,
            data={
                "record_type": record_type,
                "key": "mood",
                "label": "Mood",
                "field_type": "choice",
                "choices": [CHOICE, "calm"],
            },
        )
    person = add_member(
        workspace,
        "hostile@acme.test",
        "Seller",
        first_name=markers.payload("member.first_name", 150),
        last_name="Zebra",
    )
    tag = services.tag_create(actor=admin, data={"name": markers.payload("tag.name", 60)})
    pipeline = services.pipeline_create(
        actor=admin,
        data={"name": markers.payload("pipeline.name", 100)},
        stages=[{"name": markers.payload("stage.name", 100)}],
    )

    account, refused = create_with_every_text_field(
        markers,
        Account,
        lambda d: services.account_create(actor=admin, data=d),
        {"owner": person.pk, "tags": [tag.pk]},
    )
    contact, refused_c = create_with_every_text_field(
        markers,
        Contact,
        lambda d: services.contact_create(actor=admin, data=d),
        {"account": account.pk, "owner": person.pk},
    )
    lead, refused_l = create_with_every_text_field(
        markers, Lead, lambda d: services.lead_create(actor=admin, data=d), {"owner": person.pk}
    )
    deal, refused_d = create_with_every_text_field(
        markers,
        Deal,
        lambda d: services.deal_create(actor=admin, data=d),
        {"pipeline": pipeline.pk, "account": account.pk, "owner": person.pk},
    )
    activity, refused_a = create_with_every_text_field(
        markers,
        Activity,
        lambda d: services.activity_create(actor=admin, data=d),
        {"kind": "task", "deal": deal.pk, "owner": person.pk},
    )
    services.deal_contact_link(
        actor=admin, deal=deal, contact_id=contact.pk, role=markers.payload("deal_contact.role", 60)
    )
    services.attachment_upload(
        actor=admin,
        record=deal,
        file=SimpleUploadedFile(markers.payload("attachment.name", 60) + ".txt", b"x"),
    )
    lost = services.deal_create(actor=admin, data={"name": "Zebra lost", "pipeline": pipeline.pk})
    services.deal_mark_lost(actor=admin, deal=lost, reason=markers.payload("deal.lost_reason", 500))
    closed = services.lead_create(actor=admin, data={"title": "Zebra closed"})
    services.lead_disqualify(
        actor=admin, lead=closed, reason=markers.payload("lead.disqualify_reason", 500)
    )
    saved_filter_create(
        actor=admin,
        data={
            "record_type": "deal",
            "name": markers.payload("saved_filter.name", 100),
            "params": {},
        },
    )
    return {
        "markers": markers,
        "records": {
            "account": account,
            "contact": contact,
            "lead": lead,
            "deal": deal,
            "activity": activity,
            "lost": lost,
            "closed": closed,
        },
        "pipeline": pipeline,
        "refused": refused | refused_c | refused_l | refused_d | refused_a,
    }


def pages(hostile: dict[str, Any]) -> list[str]:
    records, pipeline = hostile["records"], hostile["pipeline"]
    urls = []
    for record_type, kind in BY_TYPE.items():
        columns = ",".join([c.key for c in kind.columns] + ["custom.note", "custom.mood"])
        urls += [
            f"/{kind.slug}/",
            f"/{kind.slug}/?columns={columns}",
            f"/{kind.slug}/new/",
            f"/events/?object_type={record_type}",
        ]
        obj = records[record_type]
        urls += [
            f"/{kind.slug}/{obj.pk}/",
            f"/{kind.slug}/{obj.pk}/history/",
            f"/{kind.slug}/{obj.pk}/edit/",
        ]
    stage = pipeline.stages.get()
    deal = records["deal"]
    urls += [
        f"/deals/{records['lost'].pk}/",
        f"/leads/{records['closed'].pk}/",
        f"/deals/board/?pipeline={pipeline.pk}",
        f"/deals/board/stages/{stage.pk}/cards/?pipeline={pipeline.pk}",
        f"/deals/board/refresh/?pipeline={pipeline.pk}&ids={deal.pk}",
        "/events/",
        "/events/?object_type=pipeline",
        "/events/?object_type=stage",
        "/search/?q=zebra",
        "/search/?q=zebra&types=deal&limit=20",
        "/search/suggest/?q=zebra",
        "/search/?q=zerba",
    ]
    return urls


def render(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return text(response)


def test_markup_typed_into_any_text_field_renders_as_text_everywhere(hostile, admin, web_as):
    client = web_as(admin)
    seen = ""
    for url in pages(hostile):
        html = render(client, url)
        found = RAW_MARKUP.search(html)
        assert found is None, (
            f"{url} shows user text as markup: …{html[max(0, found.start() - 200) : found.end() + 50]}…"
        )
        seen += html
    unseen = [
        name
        for name, marker in hostile["markers"].fields.items()
        if marker.replace("<", "&lt;").replace(">", "&gt;") not in seen
    ]
    assert not unseen, (
        f"no page shows these fields, so the test proves nothing about them: {unseen}"
    )
    assert "&lt;i id=xss-choice&gt;&quot;quoted&quot; &amp; more" in seen


def test_only_validated_fields_refuse_markup(hostile):
    """Free text keeps what was typed; only fields with a format of their own refuse it."""
    assert hostile["refused"] <= {
        "emails",
        "email",
        "website",
        "country",
        "currency",
        "phones",
        "phone",
        "recording_url",
    }
    accepted = hostile["markers"].fields
    for name in (
        "account.name",
        "account.comment",
        "contact.last_name",
        "lead.title",
        "lead.description",
        "deal.name",
        "activity.subject",
        "activity.body",
    ):
        assert name in accepted, name
