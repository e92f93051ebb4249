"""POST /api/v1/intake/calls: call events become call activities, idempotent on external_id (SPEC L9)."""

from __future__ import annotations

import pytest

from rapport.events.models import Event, EventType
from rapport.records.models import Activity

from ..analytics.support import at, moment, unchanged
from ..factories import AccountFactory, ContactFactory, LeadFactory

CALL = {
    "external_id": "pbx-1001",
    "direction": "inbound",
    "from_number": "+34 912 345 678",
    "to_number": "+34 900 000 001",
    "started_at": "2025-03-12T10:00:00+01:00",
    "duration_seconds": 125,
}


@pytest.fixture
def customer(seller):
    account = AccountFactory(actor=seller, name="Cliente SA")
    return ContactFactory(actor=seller, account=account, phones=["912 34 56 78"])


def test_an_inbound_call_becomes_a_call_activity_linked_by_phone_number(api_as, seller, customer):
    with moment(at(2025, 3, 12, 10, 5)):
        response = api_as(seller).post("intake/calls", {**CALL, "region": "ES", "recording_url": "https://pbx.example/r/1001.mp3"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "call" and body["direction"] == "inbound" and body["external_id"] == "pbx-1001"
    assert body["contact"] == customer.pk and body["account"] == customer.account_id
    assert body["owner"] == seller.pk and body["duration_minutes"] == 3
    assert body["done_at"] == "2025-03-12T09:02:05Z"  # it ended 2 min 5 s after it began
    assert body["subject"] == "Incoming call from +34 912 345 678"
    assert body["recording_url"] == "https://pbx.example/r/1001.mp3"
    activity = Activity.objects.get(pk=body["id"])
    assert Event.objects.filter(object_type="activity", object_id=activity.pk, event_type=EventType.CREATED, actor_kind="api").exists()


def test_a_repeated_external_id_updates_the_same_call(api_as, seller, customer):
    api = api_as(seller)
    with moment(at(2025, 3, 12, 10, 0)):
        first = api.post("intake/calls", {**CALL, "duration_seconds": 0}).json()
    with moment(at(2025, 3, 12, 10, 10)):
        again = api.post("intake/calls", {**CALL, "duration_seconds": 300, "recording_url": "https://pbx.example/r.mp3"})
        same = api.post("intake/calls", {**CALL, "duration_seconds": 300, "recording_url": "https://pbx.example/r.mp3"})
    assert again.status_code == 200 and same.status_code == 200
    assert again.json()["id"] == first["id"] == same.json()["id"]
    assert again.json()["duration_minutes"] == 5 and again.json()["recording_url"] == "https://pbx.example/r.mp3"
    assert Activity.objects.filter(external_id="pbx-1001").count() == 1
    changes = Event.objects.filter(object_type="activity", object_id=first["id"], event_type=EventType.FIELD_CHANGED)
    assert {e.field for e in changes} == {"duration_minutes", "done_at", "recording_url", "body"}
    assert changes.count() == 4  # the identical third delivery changed nothing


def test_an_outgoing_call_matches_the_called_number_and_falls_back_to_a_lead(api_as, seller):
    lead = LeadFactory(actor=seller, phone="+49 30 1234567")
    with moment(at(2025, 3, 12, 11)):
        body = api_as(seller).post("intake/calls", {
            **CALL, "external_id": "pbx-2", "direction": "outbound", "from_number": "+34 900 000 001", "to_number": "+4930 123 4567",
        }).json()
    assert body["contact"] is None and body["lead"] == lead.pk
    assert body["subject"] == "Outgoing call to +4930 123 4567"


def test_an_unknown_number_is_still_recorded(api_as, seller):
    with moment(at(2025, 3, 12, 11)):
        response = api_as(seller).post("intake/calls", {**CALL, "external_id": "pbx-3", "from_number": "+1 415 555 0100"})
    assert response.status_code == 201 and response.json()["contact"] is None and response.json()["lead"] is None


def test_a_contact_the_member_may_not_see_is_not_linked(api_as, seller2, customer):
    """Contacts are visible to every seller by default; a private account's contact is not matched through its account."""
    with moment(at(2025, 3, 12, 11)):
        body = api_as(seller2).post("intake/calls", {**CALL, "external_id": "pbx-4", "region": "ES"}).json()
    assert body["contact"] == customer.pk and body["owner"] == seller2.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"external_id": ""}, "external_id"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": 10**9}, "duration_seconds"),
        ({"started_at": "2025-03-12T10:00:00"}, "started_at"),
        ({"from_number": "call me"}, "from_number"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"member": 2**63}, "member"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_422_with_the_field_and_writes_nothing(api_as, seller, change, field):
    api = api_as(seller)
    with unchanged():
        response = api.post("intake/calls", {**CALL, **change})
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_the_service_checks_what_the_schema_cannot(api_as, seller, outsider):
    api = api_as(seller)
    with unchanged():
        future = api.post("intake/calls", {**CALL, "started_at": "2999-01-01T00:00:00Z"})
        no_customer = api.post("intake/calls", {**CALL, "from_number": ""})
        foreign_member = api.post("intake/calls", {**CALL, "member": outsider.pk})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "started_at"
    assert no_customer.status_code == 422 and no_customer.json()["errors"][0]["field"] == "from_number"
    assert foreign_member.status_code == 422 and foreign_member.json()["errors"][0]["field"] == "member"


def test_filing_a_call_under_a_member_outside_the_add_scope_is_refused(api_as, workspace, seller):
    from ..records.helpers import member_with

    narrow = member_with(workspace, "narrow@acme.test", {"activity": {"view": "own", "add": "own", "edit": "own", "delete": "none"}})
    api = api_as(narrow)
    with unchanged():
        response = api.post("intake/calls", {**CALL, "member": seller.pk})
    assert response.status_code == 403
    with moment(at(2025, 3, 12, 12)):
        assert api.post("intake/calls", CALL).status_code == 201


def test_a_member_without_the_add_permission_may_not_post_calls(api_as, workspace):
    from ..records.helpers import member_with

    reader = member_with(workspace, "reader@acme.test", {"activity": {"view": "all", "add": "none", "edit": "none", "delete": "none"}})
    api = api_as(reader)
    with unchanged():
        response = api.post("intake/calls", CALL)
    assert response.status_code == 403


def test_another_workspace_cannot_update_a_call_through_its_external_id(api_as, seller, outsider):
    with moment(at(2025, 3, 12, 10)):
        mine = api_as(seller).post("intake/calls", CALL).json()
        theirs = api_as(outsider).post("intake/calls", {**CALL, "duration_seconds": 999})
    assert theirs.status_code == 201 and theirs.json()["id"] != mine["id"]
    assert Activity.objects.get(pk=mine["id"]).duration_minutes == 3


def test_a_seller_may_not_rewrite_a_colleagues_call(api_as, seller, seller2):
    with moment(at(2025, 3, 12, 10)):
        api_as(seller).post("intake/calls", CALL)
    api = api_as(seller2)
    with unchanged():
        response = api.post("intake/calls", {**CALL, "duration_seconds": 999})
    assert response.status_code == 404  # the call is not theirs to see


def test_unauthenticated_calls_are_refused(client):
    response = client.post("/api/v1/intake/calls", CALL, content_type="application/json")
    assert response.status_code == 401
