"""Writes to contacts (SPEC R2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from rapport.core import clock
from rapport.core.errors import Conflict
from rapport.events import log
from rapport.events.models import EventType
from rapport.records.models import Contact, DealContact
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import require

from .base import (
    apply_changes,
    lock_current,
    record_create,
    record_delete,
    record_update,
    save_changes,
)
from .contactpoints import clean_contact_points

CONTACT_FIELDS = (
    "first_name", "last_name", "contact_type", "job_title", "account", "emails", "phones",
    "messengers", "owner", "consent_email", "consent_phone", "tags",
)


@transaction.atomic
def contact_create(*, actor: Member, data: Mapping[str, Any]) -> Contact:
    return record_create(actor, Contact, clean_contact_points(data), fields=CONTACT_FIELDS, defaults={"owner": actor})


@transaction.atomic
def contact_update(*, actor: Member, contact: Contact, data: Mapping[str, Any], expected_version: int | None = None) -> Contact:
    require(actor, Action.EDIT, contact)
    if contact.anonymised_at:
        raise Conflict("An anonymised contact cannot be edited.")
    return record_update(actor, contact, clean_contact_points(data), fields=CONTACT_FIELDS, expected_version=expected_version)


@transaction.atomic
def contact_delete(*, actor: Member, contact: Contact, expected_version: int | None = None) -> None:
    require(actor, Action.DELETE, contact)
    # The contact's places on deals go with it (cascade); each deal's history says so.
    for link in DealContact.objects.filter(contact_id=contact.pk).select_related("deal"):
        log.log(actor, link.deal, EventType.UNLINKED, field="contacts", before={"id": contact.pk, "name": str(contact), "role": link.role})
    record_delete(actor, contact, fields=CONTACT_FIELDS, expected_version=expected_version)


@transaction.atomic
def contact_anonymise(*, actor: Member, contact: Contact) -> Contact:
    """Erase the person's data (GDPR) but keep the row, so deals and statistics stay whole."""
    require(actor, Action.EDIT, contact)
    contact = lock_current(contact, None)
    if contact.anonymised_at:
        raise Conflict("The contact is already anonymised.")
    changes = apply_changes(
        contact,
        {"first_name": "", "last_name": f"Anonymised #{contact.pk}", "job_title": "", "emails": [],
         "phones": [], "messengers": {}, "consent_email": False, "consent_phone": False},
    )
    contact.custom = {}
    contact.anonymised_at = clock.now()
    save_changes(actor, contact, [], extra_fields=[c.field for c in changes] + ["custom", "anonymised_at"])
    # The event says that it happened, not what was erased.
    log.log(actor, contact, EventType.ANONYMISED)
    return contact
