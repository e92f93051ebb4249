"""Bad input answers a 4xx problem document with a clear message, and writes nothing.

Wrong types, unknown and read-only fields, oversize strings, NUL bytes, ids of other workspaces,
stale and malformed versions, bad tokens, bad paging parameters.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.db import DataError

from rapport.records import services
from rapport.records.models import Deal, Tag
from rapport.workspaces.services import member_update, token_create, token_revoke

from ..factories import ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .support import World, assert_problem, db_state, field_errors

# --- The problem document --------------------------------------------------------------------


def test_a_validation_problem_names_every_bad_field(world: World) -> None:
    response = world.api("seller").post("deals", {"name": "", "pipeline": "first", "amount": -5, "colour": "red"})

    body = assert_problem(response, 422)
    assert body["type"] == "urn:rapport:problem:validation"
    assert body["title"] == "Invalid input"
    assert field_errors(response) == {
        "name": "String should have at least 1 character",
        "pipeline": "Input should be a valid integer, unable to parse string as an integer",
        "amount": "Input should be greater than or equal to 0",
        "colour": "Unknown field.",
    }


def test_a_missing_required_field_says_so(world: World) -> None:
    response = world.api("seller").post("contacts", {"first_name": "Ana"})

    assert_problem(response, 422, "last_name")
    assert field_errors(response)["last_name"] == "This field is required."


# --- Wrong types, unknown and read-only fields, oversize strings --------------------------------

WRONG_TYPES = [
    ("deals", {"name": 42, "pipeline": 1}, "name"),
    ("deals", {"name": "x", "pipeline": 1, "amount": "lots"}, "amount"),
    ("deals", {"name": "x", "pipeline": 1, "amount": "1.005"}, "amount"),
    ("deals", {"name": "x", "pipeline": 1, "amount": "123456789012345.00"}, "amount"),
    ("deals", {"name": "x", "pipeline": 1, "currency": "euro"}, "currency"),
    ("deals", {"name": "x", "pipeline": 1, "expected_close": "31/12/2030"}, "expected_close"),
    ("deals", {"name": "x", "pipeline": 1, "tags": "1,2"}, "tags"),
    ("deals", {"name": "x", "pipeline": 1, "contacts": [{"contact": 1, "role": "x", "extra": 1}]}, "contacts.0.extra"),
    ("accounts", {"name": "x", "kind": "robot"}, "kind"),
    ("accounts", {"name": "x", "emails": "a@b.test"}, "emails"),
    ("accounts", {"name": "x", "emails": ["not an address"]}, "emails.0"),
    ("accounts", {"name": "x", "is_global": "sometimes"}, "is_global"),
    ("accounts", {"name": "x", "country": "Spain"}, "country"),
    ("contacts", {"last_name": "x", "messengers": ["telegram"]}, "messengers"),
    ("leads", {"title": "x", "status": "qualified"}, "status"),
    ("leads", {"title": "x", "budget": -1}, "budget"),
    ("leads", {"title": "x", "email": "nobody"}, "email"),
    ("activities", {"kind": "telepathy", "subject": "x"}, "kind"),
    ("activities", {"kind": "task", "subject": "x", "due_at": "2030-01-01T10:00:00"}, "due_at"),
    ("activities", {"kind": "task", "subject": "x", "duration_minutes": -3}, "duration_minutes"),
    ("activities", {"kind": "task", "subject": "x", "recording_url": "ftp://x"}, "recording_url"),
    ("tags", {"name": "x", "color": "red"}, "color"),
    ("custom-fields", {"record_type": "invoice", "key": "k", "label": "K", "field_type": "text"}, "record_type"),
    ("custom-fields", {"record_type": "deal", "key": "Not A Key", "label": "K", "field_type": "text"}, "key"),
    ("pipelines", {"name": "x", "stages": [{"name": "s", "probability": 101}]}, "stages.0.probability"),
]


@pytest.mark.parametrize(("path", "body", "field"), WRONG_TYPES, ids=[f"{p}-{f}" for p, _, f in WRONG_TYPES])
def test_wrong_types_are_422_on_the_field(world: World, path: str, body: dict[str, Any], field: str) -> None:
    api = world.api("admin")
    before = db_state()

    assert_problem(api.post(path, body), 422, field)
    assert db_state() == before


@pytest.mark.parametrize("field", ["id", "version", "workspace", "created_at", "created_by", "status", "stage", "pipeline", "colour"])
def test_unknown_and_read_only_fields_of_a_patch_are_refused(world: World, field: str) -> None:
    api = world.api("admin")
    before = db_state()

    response = api.patch(f"deals/{world.deal.pk}", {"name": "Renamed", field: 1})

    assert_problem(response, 422, field)
    assert field_errors(response)[field] == "Unknown field."
    assert db_state() == before


def _patch_subject(world: World, path: str) -> int:
    if path == "leads":
        return LeadFactory(actor=world.admin).pk
    if path == "activities":
        return ActivityFactory(actor=world.admin).pk
    if path == "custom-fields":
        return services.custom_field_create(
            actor=world.admin, data={"record_type": "lead", "key": "k", "label": "K", "field_type": "choice", "choices": ["a"]}
        ).pk
    if path == "tags":
        return services.tag_create(actor=world.admin, data={"name": "t"}).pk
    return {"accounts": world.account, "contacts": world.contact, "deals": world.deal, "pipelines": world.pipeline,
            "stages": world.stages[0]}[path].pk


NOT_NULL = [
    ("accounts", "street"), ("accounts", "emails"), ("accounts", "is_global"), ("accounts", "kind"),
    ("contacts", "messengers"), ("contacts", "last_name"), ("leads", "description"), ("leads", "priority"),
    ("deals", "source"), ("deals", "name"), ("deals", "amount"), ("deals", "tags"), ("activities", "body"),
    ("activities", "participant_members"), ("custom-fields", "choices"), ("custom-fields", "required"),
    ("pipelines", "is_active"), ("pipelines", "name"), ("stages", "position"), ("tags", "color"),
]


@pytest.mark.parametrize(("path", "field"), NOT_NULL, ids=[f"{p}-{f}" for p, f in NOT_NULL])
def test_null_is_refused_where_the_field_cannot_be_empty(world: World, path: str, field: str) -> None:
    pk = _patch_subject(world, path)
    before = db_state()

    response = world.api("admin").patch(f"{path}/{pk}", {field: None})

    assert_problem(response, 422, field)
    assert db_state() == before


@pytest.mark.parametrize(
    ("path", "field"), [("deals", "account"), ("deals", "expected_close"), ("activities", "due_at"), ("accounts", "parent")]
)
def test_null_clears_a_field_that_may_be_empty(world: World, path: str, field: str) -> None:
    pk = _patch_subject(world, path)

    response = world.api("admin").patch(f"{path}/{pk}", {field: None})

    assert response.status_code == 200, response.content
    assert response.json()[field] is None


OVERSIZE = [
    ("deals", "name", 200),
    ("accounts", "name", 200),
    ("accounts", "comment", 10_000),
    ("contacts", "last_name", 100),
    ("leads", "description", 10_000),
    ("activities", "subject", 300),
    ("tags", "name", 60),
]
BASE_BODIES: dict[str, dict[str, Any]] = {
    "deals": {"name": "ok"},
    "accounts": {"name": "ok"},
    "contacts": {"last_name": "ok"},
    "leads": {"title": "ok"},
    "activities": {"kind": "note", "subject": "ok"},
    "tags": {"name": "ok"},
}


@pytest.mark.parametrize(("path", "field", "limit"), OVERSIZE, ids=[f"{p}-{f}" for p, f, _ in OVERSIZE])
def test_oversize_strings_are_refused_with_the_limit(world: World, path: str, field: str, limit: int) -> None:
    body = {**BASE_BODIES[path], field: "x" * (limit + 1)}
    if path == "deals":
        body["pipeline"] = world.pipeline.pk
    api = world.api("admin")
    before = db_state()

    response = api.post(path, body)

    assert_problem(response, 422, field)
    assert str(limit) in field_errors(response)[field]
    assert db_state() == before
    body[field] = "x" * limit  # the limit itself is fine
    assert api.post(path, body).status_code == 201


def test_too_many_list_items_are_refused(world: World) -> None:
    response = world.api("admin").post("accounts", {"name": "x", "emails": [f"a{i}@b.test" for i in range(11)]})

    assert_problem(response, 422, "emails")


def test_a_body_over_the_upload_limit_is_413(world: World, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = db_state()

    response = world.api("admin").post("accounts", {"name": "x", "comment": "y" * 20_000})

    body = assert_problem(response, 413)
    assert "10000 bytes" in body["detail"]
    assert db_state() == before


@pytest.mark.parametrize("raw", ["{not json", '{"name": "x",}', "\x00", '{"name": "x"} trailing'])
def test_a_body_that_is_not_json_is_400(world: World, raw: str) -> None:
    response = world.api("admin").client.post("/api/v1/accounts", raw, content_type="application/json")

    body = assert_problem(response, 400)
    assert body["detail"] == "The request body is not valid JSON."


@pytest.mark.parametrize("raw", ["[]", '"account"', "42", "null"])
def test_a_body_that_is_not_an_object_is_422(world: World, raw: str) -> None:
    before = db_state()

    response = world.api("admin").client.post("/api/v1/accounts", raw, content_type="application/json")

    assert_problem(response, 422, "body")
    assert field_errors(response)["body"] == "Input should be a valid dictionary or object to extract fields from"
    assert db_state() == before


# --- NUL bytes, invalid text, odd JSON values ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("accounts", {"name": "Nul\x00 Ltd"}, "name"),
        ("contacts", {"last_name": "x", "messengers": {"tele\x00gram": "@x"}}, "messengers.tele\x00gram.[key]"),
        ("contacts", {"last_name": "x", "messengers": {"telegram": "@x\x00"}}, "messengers.telegram"),
        ("accounts", {"name": "x", "custom": {"tier": "gold\x00"}}, "custom.tier"),
        ("accounts", {"name": "x", "custom": {"tier": ["a", {"b": "\x00"}]}}, "custom.tier"),
        ("activities", {"kind": "note", "subject": "x", "body": "a\x00b"}, "body"),
    ],
    ids=["name", "messenger-key", "messenger-value", "custom-value", "custom-nested", "activity-body"],
)
def test_nul_bytes_are_refused_before_the_database(world: World, path: str, body: dict[str, Any], field: str) -> None:
    before = db_state()

    response = world.api("admin").post(path, body)

    assert_problem(response, 422)
    assert "NUL" in " ".join(field_errors(response).values())
    assert db_state() == before


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "x", "custom": {"tier": "\\ud800"}}',
        '{"name": "x", "custom": {"tier": NaN}}',
        '{"name": "x", "custom": {"tier": Infinity}}',
        '{"name": "x", "custom": {"tier": ' + "[" * 50 + "]" * 50 + "}}",
        '{"name": "\\ud800"}',
    ],
    ids=["lone-surrogate", "nan", "infinity", "deep-nesting", "surrogate-name"],
)
def test_json_the_database_cannot_store_is_refused(world: World, raw: str) -> None:
    before = db_state()

    response = world.api("admin").client.post("/api/v1/accounts", raw, content_type="application/json")

    assert_problem(response, 422)
    assert db_state() == before


def test_a_nul_byte_in_a_query_parameter_is_refused(world: World) -> None:
    response = world.api("admin").get("deals", q="a\x00b")

    assert_problem(response, 422, "q")
    assert field_errors(response)["q"] == "Text may not contain NUL characters."


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("events", {"since": "0001-01-01T00:00:00+05:00"}, "since"),
        ("events", {"until": "9999-12-31T23:59:59-05:00"}, "until"),
        ("leads", {"created_after": "0001-01-01T00:00:00+01:00"}, "created_after"),
        ("activities", {"due_before": "9999-12-31T23:00:00-02:00"}, "due_before"),
        ("leads", {"created_after": "2030-01-01T10:00:00"}, "created_after"),
    ],
)
def test_moments_out_of_range_or_without_zone_are_422(world: World, path: str, params: dict[str, str], field: str) -> None:
    response = world.api("admin").get(path, **params)

    assert_problem(response, 422, field)


def test_a_due_date_that_does_not_exist_in_utc_is_422(world: World) -> None:
    before = db_state()

    response = world.api("admin").post("activities", {"kind": "task", "subject": "x", "due_at": "0001-01-01T00:00:00+05:00"})

    assert_problem(response, 422, "due_at")
    assert "UTC" in field_errors(response)["due_at"]
    assert db_state() == before


def test_moments_with_any_offset_are_stored_in_utc(world: World) -> None:
    """Python accepts offsets up to ±23:59, PostgreSQL only up to ±15:59."""
    response = world.api("admin").post("activities", {"kind": "task", "subject": "x", "due_at": "2030-01-01T10:00:00+16:43"})

    assert response.status_code == 201, response.content
    assert response.json()["due_at"] == "2029-12-31T17:17:00Z"
    assert world.api("admin").get("activities", due_after="2029-12-31T17:17:00+23:59").status_code == 200


def test_a_value_the_database_refuses_is_422_not_500(world: World, monkeypatch) -> None:
    """The safety net behind the schemas: should a check be missing, the answer is still a 4xx."""

    def refuse(**kwargs: Any) -> None:
        raise DataError("value out of range")

    monkeypatch.setattr(services, "tag_create", refuse)

    body = assert_problem(world.api("admin").post("tags", {"name": "x"}), 422)
    assert body["detail"] == "A value is outside what can be stored."


def test_custom_values_are_checked_against_their_definitions(world: World) -> None:
    api = world.api("admin")
    assert api.post("custom-fields", {"record_type": "deal", "key": "seats", "label": "Seats", "field_type": "number"}).status_code == 201
    before = db_state()

    wrong = api.patch(f"deals/{world.deal.pk}", {"custom": {"seats": "many"}})
    unknown = api.patch(f"deals/{world.deal.pk}", {"custom": {"colour": "red"}})
    owner = api.post("custom-fields", {"record_type": "deal", "key": "buddy", "label": "Buddy", "field_type": "user"})
    huge_member = api.patch(f"deals/{world.deal.pk}", {"custom": {"buddy": 2**70}})

    assert field_errors(wrong) == {"custom.seats": "Seats must be a number."}
    assert field_errors(unknown) == {"custom.colour": "Unknown custom field."}
    assert owner.status_code == 201
    assert_problem(huge_member, 422, "custom.buddy")
    assert Deal.objects.get(pk=world.deal.pk).custom == {}
    assert db_state()["Deal"] == before["Deal"]


# --- Ids: huge, missing, hidden, from another workspace ---------------------------------------


def test_huge_ids_in_paths_are_404(world: World) -> None:
    api = world.api("admin")
    for path in (f"deals/{2**63}", f"deals/{2**70}", f"accounts/{2**63 - 1}", f"pipelines/{10**30}", f"stages/{2**64}"):
        assert_problem(api.get(path) if not path.startswith("stages") else api.patch(path, {"name": "x"}), 404)


def test_huge_ids_in_bodies_and_queries_are_422(world: World) -> None:
    api = world.api("admin")
    before = db_state()

    assert_problem(api.post("deals", {"name": "x", "pipeline": 2**63}), 422, "pipeline")
    assert_problem(api.post("activities", {"kind": "task", "subject": "x", "participant_members": [2**64]}), 422, "participant_members.0")
    assert_problem(api.get("deals", owner=2**64), 422, "owner")
    assert_problem(api.get("events", object_id=-1), 422, "object_id")
    assert_problem(api.client.delete(f"/api/v1/deals/{world.deal.pk}/contacts/{2**70}"), 422, "contact")
    assert db_state() == before


def test_ids_of_another_workspace_in_a_body_are_422_and_write_nothing(world: World) -> None:
    globex_tag = services.tag_create(actor=world.outsider, data={"name": "globex only"})
    globex_contact = ContactFactory(actor=world.outsider)
    api = world.api("admin")
    before = db_state()

    cases = [
        (api.post("deals", {"name": "x", "pipeline": world.outsider_pipeline.pk}), "pipeline"),
        (api.post("deals", {"name": "x", "pipeline": world.pipeline.pk, "tags": [globex_tag.pk]}), "tags"),
        (api.post("deals", {"name": "x", "pipeline": world.pipeline.pk, "owner": world.outsider.pk}), "owner"),
        (api.post("deals", {"name": "x", "pipeline": world.pipeline.pk, "contacts": [{"contact": globex_contact.pk}]}), "contacts"),
        (api.patch(f"deals/{world.deal.pk}", {"tags": [globex_tag.pk]}), "tags"),
        (api.post(f"deals/{world.deal.pk}/contacts", {"contact": globex_contact.pk}), "contact"),
        (api.post(f"deals/{world.deal.pk}/move", {"pipeline": world.outsider_pipeline.pk}), "pipeline"),
        (api.post(f"deals/{world.deal.pk}/move", {"stage": world.outsider_pipeline.stages.first().pk}), "stage"),
        (api.post("activities", {"kind": "task", "subject": "x", "participant_contacts": [globex_contact.pk]}), "participant_contacts"),
    ]

    for response, field in cases:
        body = assert_problem(response, 422, field)
        assert "in this workspace" in field_errors(response)[field], body
    assert db_state() == before


def test_an_id_the_member_may_not_see_is_the_same_422_as_a_missing_one(world: World) -> None:
    theirs = DealFactory(actor=world.seller2)
    api = world.api("seller")
    before = db_state()

    hidden = api.post("activities", {"kind": "task", "subject": "x", "deal": theirs.pk})
    missing = api.post("activities", {"kind": "task", "subject": "x", "deal": theirs.pk + 1000})

    assert field_errors(hidden)["deal"] == f"No deal with id {theirs.pk!r} in this workspace."
    assert field_errors(missing)["deal"] == f"No deal with id {theirs.pk + 1000!r} in this workspace."
    assert db_state() == before


def test_a_failure_late_in_a_create_leaves_nothing_behind(world: World) -> None:
    """The deal row, its stage change and its events are written before the contacts fail."""
    globex_contact = ContactFactory(actor=world.outsider)
    before = db_state()

    response = world.api("admin").post(
        "deals", {"name": "Half", "pipeline": world.pipeline.pk, "contacts": [{"contact": world.contact.pk}, {"contact": globex_contact.pk}]}
    )

    assert_problem(response, 422, "contacts")
    assert db_state() == before


# --- Versions -----------------------------------------------------------------------------------


def test_a_stale_if_match_is_412_and_changes_nothing(world: World) -> None:
    api = world.api("admin")
    first = api.patch(f"deals/{world.deal.pk}", {"name": "First"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first["ETag"] == '"2"'
    before = db_state()

    for response in (
        api.patch(f"deals/{world.deal.pk}", {"name": "Second"}, headers={"If-Match": '"1"'}),
        api.delete(f"deals/{world.deal.pk}", headers={"If-Match": '"1"'}),
        api.post(f"deals/{world.deal.pk}/won", headers={"If-Match": 'W/"1"'}),
        api.post(f"deals/{world.deal.pk}/move", {"stage": world.stages[2].pk}, headers={"If-Match": "1"}),
    ):
        body = assert_problem(response, 412)
        assert body["type"] == "urn:rapport:problem:stale-version"
        assert "version 1" in body["detail"] and "version 2" in body["detail"]
    assert db_state() == before
    assert api.patch(f"deals/{world.deal.pk}", {"name": "Second"}, headers={"If-Match": '"2"'}).status_code == 200


@pytest.mark.parametrize("header", ["abc", '"1', "1, 2", '"99999999999"', "W/", '"-1"', '"1.0"'])
def test_a_malformed_if_match_is_400(world: World, header: str) -> None:
    before = db_state()

    response = world.api("admin").patch(f"deals/{world.deal.pk}", {"name": "x"}, headers={"If-Match": header})

    body = assert_problem(response, 400)
    assert "If-Match" in body["detail"]
    assert db_state() == before


def test_if_match_star_means_any_version(world: World) -> None:
    response = world.api("admin").patch(f"deals/{world.deal.pk}", {"name": "Any"}, headers={"If-Match": "*"})

    assert response.status_code == 200


# --- Authentication -----------------------------------------------------------------------------


def _assert_401(response) -> None:
    body = assert_problem(response, 401)
    assert body["type"] == "urn:rapport:problem:not-authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="rapport"'


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer rpt_not-a-real-token", "Bearer not-our-prefix", "Basic YWRtaW46YWRtaW4=", "Token rpt_x"],
)
def test_requests_without_a_valid_token_are_401(client, world: World, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    before = db_state()

    for response in (
        client.get("/api/v1/deals", headers=headers),
        client.post("/api/v1/accounts", json.dumps({"name": "x"}), content_type="application/json", headers=headers),
        client.delete(f"/api/v1/deals/{world.deal.pk}", headers=headers),
    ):
        _assert_401(response)
    assert db_state() == before


def test_a_revoked_token_is_401(client, world: World) -> None:
    token, key = token_create(actor=world.seller, member=world.seller, name="laptop")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/deals", headers=headers).status_code == 200

    token_revoke(actor=world.seller, token=token)

    _assert_401(client.get("/api/v1/deals", headers=headers))


def test_the_token_of_a_deactivated_member_is_401(client, world: World) -> None:
    _, key = token_create(actor=world.admin, member=world.seller, name="script")
    member_update(actor=world.admin, member=world.seller, data={"is_active": False})

    _assert_401(client.get("/api/v1/members/me", headers={"Authorization": f"Bearer {key}"}))


# --- Paging parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": -1}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**12}, "offset"),
        ({"ordering": "bogus"}, "ordering"),
        ({"ordering": "--name"}, "ordering"),
        ({"ordering": "-"}, "ordering"),
        ({"ordering": "owner"}, "ordering"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "x" * 2001}, "cursor"),
    ],
)
def test_bad_paging_parameters_are_422(world: World, params: dict[str, Any], field: str) -> None:
    response = world.api("admin").get("deals", **params)

    assert_problem(response, 422, field)


def test_an_unknown_ordering_lists_the_allowed_ones(world: World) -> None:
    response = world.api("admin").get("accounts", ordering="city")

    assert field_errors(response)["ordering"] == "Order by one of: name, -name, created_at, -created_at, updated_at, -updated_at."


def _two_pages_cursor(world: World, path: str, **params: Any) -> str:
    response = world.api("admin").get(path, limit=1, **params)
    cursor = response.json()["next_cursor"]
    assert cursor
    return cursor


def test_cursors_are_refused_when_forged_edited_or_reused_elsewhere(world: World) -> None:
    DealFactory(actor=world.admin)
    ContactFactory(actor=world.admin)
    api = world.api("admin")
    deal_cursor = _two_pages_cursor(world, "deals", ordering="name")
    payload, signature = deal_cursor.split(":", 1)
    forged = base64.urlsafe_b64encode(json.dumps(["records.deal", "name", None, 2**70]).encode()).decode().rstrip("=")

    assert api.get("deals", ordering="name", cursor=deal_cursor).status_code == 200
    for params in (
        {"ordering": "name", "cursor": f"{forged}:{signature}"},  # edited payload, old signature
        {"ordering": "name", "cursor": forged},  # unsigned
        {"ordering": "-name", "cursor": deal_cursor},  # another ordering
        {"ordering": "amount", "cursor": deal_cursor},
        {"ordering": "name", "cursor": deal_cursor, "offset": 1},  # both ways of paging at once
    ):
        assert_problem(api.get("deals", **params), 422, "cursor")
    assert_problem(api.get("contacts", ordering="name", cursor=deal_cursor), 422)  # another list
    assert_problem(api.get("events", cursor=deal_cursor), 422, "cursor")


def test_a_tag_name_taken_is_a_field_error_not_a_crash(world: World) -> None:
    api = world.api("admin")
    assert api.post("tags", {"name": "vip"}).status_code == 201
    before = db_state()

    response = api.post("tags", {"name": "vip"})

    assert_problem(response, 422, "name")
    assert Tag.objects.filter(name="vip").count() == 1
    assert db_state() == before


def test_a_method_an_endpoint_does_not_serve_is_a_problem_document(client, db) -> None:
    response = client.put("/api/v1/deals")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:rapport:problem:method-not-allowed"
    assert "GET" in response["Allow"] and "POST" in response["Allow"]
    assert "PUT is not allowed here" in body["detail"]

