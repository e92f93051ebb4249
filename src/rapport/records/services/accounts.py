"""Writes to accounts (SPEC R1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.core import clock
from rapport.core.errors import Conflict
from rapport.events import log
from rapport.events.models import EventType
from rapport.records.models import Account, AccountKind
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import MAX_ID, require

from .base import (
    apply_changes,
    lock_current,
    record_create,
    record_delete,
    record_update,
    save_changes,
)
from .contactpoints import clean_contact_points

ACCOUNT_FIELDS = (
    "account_type", "kind", "name", "first_name", "last_name", "organisation", "emails", "phones",
    "street", "city", "postcode", "country", "registration_number", "vat_number", "industry",
    "website", "owner", "parent", "groups", "tags", "is_global", "is_private", "comment",
)


def _person_name(data: Mapping[str, Any]) -> dict[str, Any]:
    """A person's account is named after the person unless a name is given."""
    data = dict(data)
    if data.get("kind") == AccountKind.PERSON and not data.get("name"):
        data["name"] = f"{data.get('first_name', '')} {data.get('last_name', '')}".strip()
    return data


@transaction.atomic
def account_create(*, actor: Member, data: Mapping[str, Any]) -> Account:
    return record_create(actor, Account, clean_contact_points(_person_name(data)), fields=ACCOUNT_FIELDS, defaults={"owner": actor})


@transaction.atomic
def account_update(*, actor: Member, account: Account, data: Mapping[str, Any], expected_version: int | None = None) -> Account:
    require(actor, Action.EDIT, account)
    if data.get("parent") not in (None, ""):
        _check_parent(account, getattr(data["parent"], "pk", data["parent"]))
    return record_update(actor, account, clean_contact_points(data), fields=ACCOUNT_FIELDS, expected_version=expected_version)


def _check_parent(account: Account, parent_id: Any) -> None:
    """Refuse a parent that is the account itself or one of its sub-accounts (a loop)."""
    try:
        parent_id = int(parent_id)
    except (TypeError, ValueError):
        return  # not an id: record_update reports it on the field
    if not 0 < parent_id <= MAX_ID:
        return
    seen: set[int] = set()
    current: int | None = parent_id
    while current is not None and current not in seen:
        if current == account.pk:
            raise ValidationError({"parent": "An account cannot be its own parent or a parent of its parents."})
        seen.add(current)
        current = Account.objects.filter(workspace_id=account.workspace_id, pk=current).values_list("parent_id", flat=True).first()


@transaction.atomic
def account_delete(*, actor: Member, account: Account, expected_version: int | None = None) -> None:
    record_delete(actor, account, fields=ACCOUNT_FIELDS, expected_version=expected_version)


@transaction.atomic
def account_archive(*, actor: Member, account: Account, archived: bool = True) -> Account:
    require(actor, Action.EDIT, account)
    account = lock_current(account, None)
    if bool(account.archived_at) == archived:
        raise Conflict("The account is already archived." if archived else "The account is not archived.")
    changes = apply_changes(account, {"archived_at": clock.now() if archived else None})
    return save_changes(actor, account, changes, event_type=EventType.ARCHIVED if archived else EventType.UNARCHIVED)


@transaction.atomic
def account_favourite(*, actor: Member, account: Account, favourite: bool = True) -> None:
    """Add or remove the account from the actor's "my accounts"; a personal list, so no permission beyond view."""
    require(actor, Action.VIEW, account)
    if account.favourited_by.filter(pk=actor.pk).exists() == favourite:
        return  # already as asked: nothing changes, so nothing is logged
    if favourite:
        account.favourited_by.add(actor)
    else:
        account.favourited_by.remove(actor)
    log.log(actor, account, EventType.LINKED if favourite else EventType.UNLINKED, field="favourite", after=actor.display_name if favourite else None, before=None if favourite else actor.display_name)
