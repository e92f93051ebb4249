"""Contact services: create, update, delete and anonymise (SPEC R2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from rapport.core import clock
from rapport.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from rapport.events.models import EventType
from rapport.records import services
from rapport.records.models import Contact, DealContact

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory
from .helpers import events_of, reload, unchanged

MOMENT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_create_contact_of_an_account(workspace, seller):
    account = AccountFactory(actor=seller, name="Initech")
    contact = services.contact_create(
        actor=seller,
        data={"first_name": "Bill", "last_name": "Lumbergh", "account": account.pk, "emails": ["Bill@Initech.test"],
              "messengers": {"telegram": "@bill"}, "consent_email": True},
    )
    contact = reload(contact)
    assert (contact.owner, contact.account, contact.emails, contact.consent_email) == (seller, account, ["bill@initech.test"], True)
    [event] = events_of(contact)
    assert event.event_type == EventType.CREATED and event.object_name == "Bill Lumbergh"
    assert event.after["account"] == {"id": account.pk, "name": "Initech"}
    assert (event.after["consent_email"], event.after["consent_phone"]) == (True, False)
    assert "job_title" not in event.after  # empty values are left out of the snapshot


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_name": "No surname"}, "last_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"last_name": "A", "emails": ["nope"]}, "emails"),
        ({"last_name": "A", "phones": [42]}, "phones"),
        ({"last_name": "A", "account": 10**9}, "account"),
        ({"last_name": "A", "consent_email": "perhaps"}, "consent_email"),
        ({"last_name": "A", "anonymised_at": "2025-01-01"}, "anonymised_at"),
        ({"last_name": "A", "messengers": {"x": "\x00"}}, "messengers"),
    ],
)
def test_create_refuses_bad_input(workspace, seller, data, field):
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.contact_create(actor=seller, data=data)
    assert field in exc.value.message_dict


@pytest.mark.parametrize("field", ["account", "owner", "tags"])
def test_ids_of_another_workspace_are_field_errors(workspace, seller, foreign, field):
    value = {"account": foreign.account.pk, "owner": foreign.member.pk, "tags": [foreign.tag.pk]}[field]
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.contact_create(actor=seller, data={"last_name": "A", field: value})
    assert field in exc.value.message_dict


def test_a_private_account_of_someone_else_cannot_be_linked(workspace, seller, seller2):
    private = AccountFactory(actor=seller2, is_private=True)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.contact_create(actor=seller, data={"last_name": "A", "account": private.pk})
    assert "account" in exc.value.message_dict


def test_create_denied_without_add_permission(workspace, seller):
    seller.role.permissions["contact"]["add"] = "none"
    seller.role.save()
    with unchanged(), pytest.raises(PermissionDenied):
        services.contact_create(actor=seller, data={"last_name": "A"})


# -- update and delete ---------------------------------------------------------------------------


def test_update_logs_changes(workspace, seller):
    contact = ContactFactory(actor=seller, job_title="Clerk", emails=["a@b.test"])
    services.contact_update(actor=seller, contact=contact, data={"job_title": "Director", "emails": ["a@b.test", "c@d.test"]}, expected_version=1)
    changes = {e.field: (e.before, e.after) for e in events_of(contact, EventType.FIELD_CHANGED)}
    assert changes == {"job_title": ("Clerk", "Director"), "emails": (["a@b.test"], ["a@b.test", "c@d.test"])}
    assert reload(contact).version == 2


def test_update_with_a_stale_version_changes_nothing(workspace, seller):
    contact = ContactFactory(actor=seller)
    services.contact_update(actor=seller, contact=contact, data={"job_title": "A"})
    with unchanged(), pytest.raises(StaleVersion):
        services.contact_update(actor=seller, contact=contact, data={"job_title": "B"}, expected_version=1)


@pytest.mark.parametrize(("who", "error"), [("seller2", PermissionDenied), ("loner", PermissionDenied), ("outsider", NotFound)])
def test_update_refused(workspace, seller, seller2, loner, outsider, who, error):
    contact = ContactFactory(actor=seller)
    actor = {"seller2": seller2, "loner": loner, "outsider": outsider}[who]
    with unchanged(), pytest.raises(error):
        services.contact_update(actor=actor, contact=contact, data={"last_name": "Changed"})


def test_manager_edits_the_teams_contacts(workspace, manager, seller):
    contact = ContactFactory(actor=seller)
    services.contact_update(actor=manager, contact=contact, data={"job_title": "Buyer"})
    assert reload(contact).job_title == "Buyer"


def test_delete_removes_it_from_deals_and_keeps_its_last_values(workspace, admin, seller):
    contact = ContactFactory(actor=seller, last_name="Gone")
    deal = DealFactory(actor=seller)
    services.deal_contact_link(actor=seller, deal=deal, contact_id=contact.pk, role="Buyer")
    task = ActivityFactory(actor=seller, contact=contact)
    services.contact_delete(actor=admin, contact=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not DealContact.objects.filter(deal=deal).exists()
    assert reload(task).contact is None
    [deleted] = events_of(contact, EventType.DELETED)
    assert deleted.before["last_name"] == "Gone"
    [unlinked] = events_of(deal, EventType.UNLINKED)
    assert (unlinked.field, unlinked.before, unlinked.actor) == ("contacts", {"id": contact.pk, "name": str(contact), "role": "Buyer"}, admin)


@pytest.mark.parametrize(("who", "error"), [("seller", PermissionDenied), ("outsider", NotFound)])
def test_delete_refused(workspace, seller, outsider, who, error):
    contact = ContactFactory(actor=seller)
    actor = {"seller": seller, "outsider": outsider}[who]
    with unchanged(), pytest.raises(error):
        services.contact_delete(actor=actor, contact=contact)


# -- anonymise -----------------------------------------------------------------------------------


def test_anonymise_erases_the_person_but_keeps_the_row_and_its_deals(workspace, admin, seller):
    services.custom_field_create(actor=admin, data={"record_type": "contact", "key": "hobby", "label": "Hobby", "field_type": "text"})
    account = AccountFactory(actor=seller)
    contact = ContactFactory(
        actor=seller, first_name="Jane", last_name="Doe", job_title="CEO", account=account, emails=["jane@doe.test"],
        phones=["+1 555 0100"], messengers={"signal": "jane"}, consent_email=True, custom={"hobby": "chess"},
    )
    deal = DealFactory(actor=seller)
    services.deal_contact_link(actor=seller, deal=deal, contact_id=contact.pk)
    with clock.frozen_at(MOMENT):
        services.contact_anonymise(actor=seller, contact=contact)
    contact = reload(contact)
    assert (contact.first_name, contact.last_name, contact.job_title) == ("", f"Anonymised #{contact.pk}", "")
    assert (contact.emails, contact.phones, contact.messengers, contact.custom) == ([], [], {}, {})
    assert (contact.consent_email, contact.anonymised_at, contact.version) == (False, MOMENT, 2)
    assert contact.account == account  # statistics keep their links
    assert list(deal.contacts.all()) == [contact]
    [event] = events_of(contact, EventType.ANONYMISED)
    assert (event.field, event.before, event.after) == ("", None, None)
    assert event.object_name == f"Anonymised #{contact.pk}"
    assert "jane" not in str(event.after).lower()


def test_anonymised_contact_cannot_be_edited_or_anonymised_again(workspace, seller):
    contact = ContactFactory(actor=seller)
    services.contact_anonymise(actor=seller, contact=contact)
    contact = reload(contact)
    with unchanged(), pytest.raises(Conflict):
        services.contact_update(actor=seller, contact=contact, data={"first_name": "Back"})
    with unchanged(), pytest.raises(Conflict):
        services.contact_anonymise(actor=seller, contact=contact)


@pytest.mark.parametrize(("who", "error"), [("seller2", PermissionDenied), ("outsider", NotFound)])
def test_anonymise_refused(workspace, seller, seller2, outsider, who, error):
    contact = ContactFactory(actor=seller)
    actor = {"seller2": seller2, "outsider": outsider}[who]
    with unchanged(), pytest.raises(error):
        services.contact_anonymise(actor=actor, contact=contact)


def test_outsider_gets_not_found_even_for_an_anonymised_contact(workspace, seller, outsider):
    contact = ContactFactory(actor=seller)
    services.contact_anonymise(actor=seller, contact=contact)
    with unchanged(), pytest.raises(NotFound):
        services.contact_update(actor=outsider, contact=reload(contact), data={"first_name": "X"})
