"""Lead services: create, update, qualify into a deal, disqualify, archive, delete (SPEC R3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from rapport.events.models import EventType
from rapport.records import services
from rapport.records.models import Account, Contact, Deal, DealStatus, Lead, LeadStatus, StageChange

from ..factories import AccountFactory, ActivityFactory, LeadFactory
from .helpers import events_of, member_with, reload, unchanged


def test_create_lead_owned_by_its_creator(workspace, seller):
    lead = services.lead_create(actor=seller, data={"title": "Website enquiry", "email": "pat@prospect.test", "budget": "2500.00"})
    lead = reload(lead)
    assert (lead.owner, lead.status, lead.source, lead.priority, lead.budget) == (seller, LeadStatus.NEW, "manual", "normal", Decimal("2500.00"))
    [event] = events_of(lead)
    assert event.event_type == EventType.CREATED and event.after["budget"] == "2500.00"


def test_unassigned_lead_has_no_owner(workspace, admin):
    lead = services.lead_create(actor=admin, data={"title": "From the web form", "owner": None, "source": "web_form"})
    assert lead.owner is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "title"),
        ({"title": "A", "status": "qualified"}, "status"),
        ({"title": "A", "status": "disqualified"}, "status"),
        ({"title": "A", "email": "no"}, "email"),
        ({"title": "A", "budget": "-1"}, "budget"),
        ({"title": "A", "budget": "lots"}, "budget"),
        ({"title": "A", "currency": "eur"}, "currency"),
        ({"title": "A", "priority": "urgent"}, "priority"),
        ({"title": "A", "source": "pigeon"}, "source"),
        ({"title": "A", "deal": 1}, "deal"),
        ({"title": "A", "account": 10**9}, "account"),
    ],
)
def test_create_refuses_bad_input(workspace, seller, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.lead_create(actor=seller, data=data)
    assert field in exc.value.message_dict


@pytest.mark.parametrize("field", ["account", "owner", "tags"])
def test_ids_of_another_workspace_are_field_errors(workspace, seller, foreign, field):
    value = {"account": foreign.account.pk, "owner": foreign.member.pk, "tags": [foreign.tag.pk]}[field]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.lead_create(actor=seller, data={"title": "A", field: value})
    assert field in exc.value.message_dict


def test_create_denied_before_any_validation(workspace):
    from rapport.records.models import Lead as LeadModel

    blocked = member_with(workspace, "blocked@acme.test", {LeadModel.RECORD_TYPE: {"view": "all"}})
    with unchanged(), pytest.raises(PermissionDenied):
        services.lead_create(actor=blocked, data={"title": "A", "status": "qualified"})


# -- update --------------------------------------------------------------------------------------


def test_update_status_among_open_statuses(workspace, seller):
    lead = LeadFactory(actor=seller)
    services.lead_update(actor=seller, lead=lead, data={"status": "working", "priority": "high"}, expected_version=1)
    changes = {e.field: (e.before, e.after) for e in events_of(lead, EventType.FIELD_CHANGED)}
    assert changes == {"status": ("new", "working"), "priority": ("normal", "high")}


def test_closed_lead_keeps_its_status(workspace, seller):
    lead = LeadFactory(actor=seller)
    services.lead_disqualify(actor=seller, lead=lead, reason="No budget")
    lead = reload(lead)
    with unchanged(), pytest.raises(Conflict):
        services.lead_update(actor=seller, lead=lead, data={"status": "new"})
    services.lead_update(actor=seller, lead=lead, data={"description": "Try next year"})
    assert reload(lead).description == "Try next year"


def test_update_with_a_stale_version(workspace, seller):
    lead = LeadFactory(actor=seller)
    services.lead_update(actor=seller, lead=lead, data={"priority": "low"})
    with unchanged(), pytest.raises(StaleVersion):
        services.lead_update(actor=seller, lead=lead, data={"priority": "high"}, expected_version=1)


@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("loner", NotFound), ("outsider", NotFound)])
@pytest.mark.parametrize("data", [{"title": "Mine"}, {"status": "qualified"}])
def test_update_by_someone_who_cannot_see_it_is_not_found(workspace, seller, seller2, loner, outsider, who, error, data):
    lead = LeadFactory(actor=seller)
    actor = {"seller2": seller2, "loner": loner, "outsider": outsider}[who]
    with unchanged(), pytest.raises(error):
        services.lead_update(actor=actor, lead=lead, data=data)


def test_manager_edits_the_teams_leads(workspace, manager, seller):
    lead = LeadFactory(actor=seller)
    services.lead_update(actor=manager, lead=lead, data={"priority": "high"})
    assert reload(lead).priority == "high"


# -- qualify -------------------------------------------------------------------------------------


def test_qualify_makes_a_deal_an_account_and_a_contact(workspace, admin, seller, stages):
    hot = services.tag_create(actor=admin, data={"name": "Hot"})
    lead = LeadFactory(
        actor=seller, title="Big order", company="Umbrella", first_name="Alice", last_name="Abernathy",
        email="alice@umbrella.test", phone="+44 20 0000 0000", budget=Decimal("9000"), currency="GBP", source="chat", tags=[hot.pk],
    )
    result = services.lead_qualify(actor=seller, lead=lead, expected_version=1)
    deal, account, contact = result.deal, result.account, result.contact
    assert (deal.name, deal.amount, deal.currency, deal.owner, deal.source) == ("Big order", Decimal("9000"), "GBP", seller, "chat")
    assert (deal.pipeline, deal.stage, deal.status) == (stages[0].pipeline, stages[0], DealStatus.OPEN)
    assert deal.account == account and account.name == "Umbrella" and account.owner == seller
    assert (contact.first_name, contact.last_name, contact.emails, contact.phones) == ("Alice", "Abernathy", ["alice@umbrella.test"], ["+44 20 0000 0000"])
    assert contact.account == account
    assert list(deal.contacts.all()) == [contact]
    assert list(deal.tags.all()) == [hot]
    lead = reload(lead)
    assert (lead.status, lead.deal, lead.account, lead.version) == (LeadStatus.QUALIFIED, deal, account, 2)
    qualified = {e.field: e.after for e in events_of(lead, EventType.QUALIFIED)}
    assert qualified == {"status": "qualified", "deal": {"id": deal.pk, "name": "Big order"}, "account": {"id": account.pk, "name": "Umbrella"}}
    [created] = events_of(deal, EventType.CREATED)
    assert created.after["tags"] == ["Hot"]
    assert StageChange.objects.filter(deal=deal, from_stage=None, to_stage=stages[0]).count() == 1


def test_qualify_uses_the_leads_account_and_a_chosen_pipeline(workspace, seller, other_pipeline):
    account = AccountFactory(actor=seller)
    lead = LeadFactory(actor=seller, account=account, company="Ignored Inc")
    result = services.lead_qualify(actor=seller, lead=lead, pipeline=other_pipeline.pk, deal_name="Renewal 2026", amount=Decimal("10"))
    assert result.account == account
    assert Account.objects.count() == 1
    assert (result.deal.pipeline, result.deal.stage.name, result.deal.name, result.deal.amount) == (other_pipeline, "Due", "Renewal 2026", Decimal("10"))


def test_qualify_a_bare_lead_asks_only_what_is_needed(workspace, seller):
    lead = services.lead_create(actor=seller, data={"title": "Just a title"})
    result = services.lead_qualify(actor=seller, lead=lead, create_contact=True)
    assert (result.account, result.contact) == (None, None)
    assert (result.deal.name, result.deal.amount, result.deal.currency) == ("Just a title", Decimal("0"), "EUR")


def test_qualify_an_unassigned_lead_gives_the_deal_to_the_qualifier(workspace, admin):
    lead = services.lead_create(actor=admin, data={"title": "Orphan", "owner": None, "company": "Nobody's"})
    result = services.lead_qualify(actor=admin, lead=lead)
    assert result.deal.owner == admin and result.account.owner == admin


@pytest.mark.parametrize("closing", ["qualify", "disqualify", "archive"])
def test_a_closed_or_archived_lead_cannot_be_qualified(workspace, seller, closing):
    lead = LeadFactory(actor=seller)
    if closing == "qualify":
        services.lead_qualify(actor=seller, lead=lead)
    elif closing == "disqualify":
        services.lead_disqualify(actor=seller, lead=lead, reason="Spam")
    else:
        services.lead_archive(actor=seller, lead=lead)
    with unchanged(), pytest.raises(Conflict):
        services.lead_qualify(actor=seller, lead=reload(lead))


@pytest.mark.parametrize("field", ["pipeline", "account"])
def test_qualify_with_ids_of_another_workspace_is_a_field_error(workspace, seller, foreign, field):
    lead = LeadFactory(actor=seller)
    value = {"pipeline": foreign.pipeline.pk, "account": foreign.account.pk}[field]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.lead_qualify(actor=seller, lead=lead, **{field: value})
    assert field in exc.value.message_dict


def test_qualify_with_an_account_the_actor_cannot_see(workspace, seller, seller2):
    private = AccountFactory(actor=seller2, is_private=True)
    lead = LeadFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.lead_qualify(actor=seller, lead=lead, account=private.pk)
    assert "account" in exc.value.message_dict


def test_qualify_with_a_stale_version(workspace, seller):
    lead = LeadFactory(actor=seller)
    services.lead_update(actor=seller, lead=lead, data={"priority": "high"})
    with unchanged(), pytest.raises(StaleVersion):
        services.lead_qualify(actor=seller, lead=lead, expected_version=1)


@pytest.mark.parametrize(("who", "error"), [("seller2", NotFound), ("outsider", NotFound)])
def test_qualify_refused(workspace, seller, seller2, outsider, who, error):
    lead = LeadFactory(actor=seller)
    actor = {"seller2": seller2, "outsider": outsider}[who]
    with unchanged(), pytest.raises(error):
        services.lead_qualify(actor=actor, lead=lead)


def test_qualify_needs_the_right_to_add_deals(workspace, admin):
    grants = {t: {"view": "all", "add": "all", "edit": "all"} for t in ("lead", "account", "contact")}
    grants["deal"] = {"view": "all", "add": "none"}
    member = member_with(workspace, "no-deals@acme.test", grants)
    lead = LeadFactory(actor=member)
    with unchanged(), pytest.raises(PermissionDenied):
        services.lead_qualify(actor=member, lead=lead)


def test_qualify_is_all_or_nothing(workspace, admin, seller):
    """A deal custom field is required: the account and contact made first are rolled back too."""
    services.custom_field_create(actor=admin, data={"record_type": "deal", "key": "region", "label": "Region", "field_type": "text", "required": True})
    lead = LeadFactory(actor=seller, company="Rollback Ltd")
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.lead_qualify(actor=seller, lead=lead)
    assert "custom.region" in exc.value.message_dict
    assert not Account.objects.exists() and not Contact.objects.exists() and not Deal.objects.exists()


# -- disqualify, archive, delete -----------------------------------------------------------------


def test_disqualify_records_the_reason(workspace, seller):
    lead = LeadFactory(actor=seller)
    services.lead_disqualify(actor=seller, lead=lead, reason="  Competitor  ", expected_version=1)
    lead = reload(lead)
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.DISQUALIFIED, "Competitor")
    changes = {e.field: (e.before, e.after) for e in events_of(lead, EventType.DISQUALIFIED)}
    assert changes == {"status": ("new", "disqualified"), "disqualify_reason": ("", "Competitor")}


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 201])
def test_disqualify_needs_a_reason(workspace, seller, reason):
    lead = LeadFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.lead_disqualify(actor=seller, lead=lead, reason=reason)
    assert "reason" in exc.value.message_dict


def test_disqualify_twice_is_a_conflict(workspace, seller):
    lead = LeadFactory(actor=seller)
    services.lead_disqualify(actor=seller, lead=lead, reason="Spam")
    with unchanged(), pytest.raises(Conflict):
        services.lead_disqualify(actor=seller, lead=reload(lead), reason="Spam again")


@pytest.mark.parametrize("reason", ["Spam", ""])
def test_disqualify_by_someone_who_cannot_see_it_is_not_found(workspace, seller, seller2, outsider, reason):
    lead = LeadFactory(actor=seller)
    for actor in (seller2, outsider):
        with unchanged(), pytest.raises(NotFound):
            services.lead_disqualify(actor=actor, lead=lead, reason=reason)


def test_archive_and_unarchive(workspace, seller):
    lead = LeadFactory(actor=seller)
    services.lead_archive(actor=seller, lead=lead)
    assert reload(lead).archived_at is not None
    with unchanged(), pytest.raises(Conflict):
        services.lead_archive(actor=seller, lead=lead)
    services.lead_archive(actor=seller, lead=lead, archived=False)
    assert reload(lead).archived_at is None
    assert [e.event_type for e in events_of(lead)] == [EventType.CREATED, EventType.ARCHIVED, EventType.UNARCHIVED]
    with unchanged(), pytest.raises(Conflict):
        services.lead_archive(actor=seller, lead=lead, archived=False)


@pytest.mark.parametrize("who", ["seller2", "outsider"])
def test_archive_refused(workspace, seller, seller2, outsider, who):
    lead = LeadFactory(actor=seller)
    with unchanged(), pytest.raises(NotFound):
        services.lead_archive(actor={"seller2": seller2, "outsider": outsider}[who], lead=lead)


def test_delete_unlinks_activities(workspace, manager, seller):
    lead = LeadFactory(actor=seller, title="Old lead")
    task = ActivityFactory(actor=seller, lead=lead)
    services.lead_delete(actor=manager, lead=lead)
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert reload(task).lead is None
    [deleted] = events_of(lead, EventType.DELETED)
    assert deleted.before["title"] == "Old lead" and deleted.object_name == "Old lead"


@pytest.mark.parametrize(("who", "error"), [("seller", PermissionDenied), ("seller2", NotFound), ("outsider", NotFound)])
def test_delete_refused(workspace, seller, seller2, outsider, who, error):
    lead = LeadFactory(actor=seller)
    with unchanged(), pytest.raises(error):
        services.lead_delete(actor={"seller": seller, "seller2": seller2, "outsider": outsider}[who], lead=lead)
