"""The answer to a create is what a read of the new record answers, whether or not it was read back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.records.models import Lead
from rapport.records.services import custom_field_create, tag_create

from .support import World


def _same_as_a_read(world: World, path: str, body: dict[str, Any]) -> dict[str, Any]:
    api = world.api("admin")
    created = api.post(path, body)
    assert created.status_code == 201, created.content
    read = api.get(f"{path}/{created.json()['id']}")
    assert read.status_code == 200
    assert created.content == read.content  # the same JSON, byte for byte
    assert created["ETag"] == read["ETag"] == '"1"'
    return created.json()


LEAD_BODIES = [
    {"title": "Benchmark enquiry 1", "email": "lead1@example.net", "company": "Benchmark Ltd"},
    {"title": "Only a title"},
    {"title": "Budget", "budget": "12.5", "currency": "EUR"},
    {"title": "Round budget", "budget": 7, "currency": "EUR"},
    {"title": "Big budget", "budget": "999999999999.99", "currency": "EUR", "priority": "high", "status": "working"},
    {"title": "Nobody's", "owner": None, "source": "web_form", "description": "line one\r\nline two  "},
    {"title": "  Spaces kept  ", "first_name": "Zoë", "last_name": "Łukasz", "phone": "+34 600 000 000"},
]


@pytest.mark.parametrize("body", LEAD_BODIES)
def test_a_created_lead_answers_what_reading_it_answers(world: World, body: dict[str, Any]) -> None:
    answer = _same_as_a_read(world, "leads", body)

    assert answer["title"] == body["title"]


def test_a_lead_with_tags_custom_values_and_an_account(world: World) -> None:
    for key, kind in (("zeta", "text"), ("alpha", "number"), ("seats", "money"), ("vip", "boolean")):
        custom_field_create(actor=world.admin, data={"record_type": "lead", "key": key, "label": key.title(), "field_type": kind})
    tags = [tag_create(actor=world.admin, data={"name": name}) for name in ("zulu", "Alpha", "beta")]

    answer = _same_as_a_read(
        world,
        "leads",
        {
            "title": "Everything",
            "account": world.account.pk,
            "owner": world.seller.pk,
            "tags": [t.pk for t in tags],
            "custom": {"zeta": "z", "alpha": 3.5, "seats": "10", "vip": True},
        },
    )
    assert sorted(answer["tags"]) == sorted(t.pk for t in tags)

    _same_as_a_read(world, "leads", {"title": "One custom value", "custom": {"vip": False}})


def test_a_created_lead_is_not_read_back(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = world.api("admin").post("leads", {"title": "Fresh", "email": "fresh@example.net"})

    assert response.status_code == 201
    lead_table = Lead._meta.db_table
    reads = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT") and f'FROM "{lead_table}"' in q["sql"]]
    assert reads == []
    assert response.json()["tags"] == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("accounts", {"name": "Read back", "emails": ["a@example.net"]}),
        ("contacts", {"last_name": "Read back"}),
    ],
)
def test_other_record_types_still_answer_what_reading_answers(world: World, path: str, body: dict[str, Any]) -> None:
    _same_as_a_read(world, path, body)
