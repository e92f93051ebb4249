"""Bulk edit, move and delete on list pages: all the chosen records change, or none (SPEC R8).

Each row goes through its own record service (so permissions, validation and events are exactly
those of a single change), all inside one transaction. A row a service refuses does not stop the
others from being tried, so the answer names every refused record; then the whole transaction
rolls back and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.core.errors import ServiceError
from rapport.records.models import Account, Activity, Contact, Deal, DealStatus, Lead, Stage
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import MAX_ID, visible_to

from . import accounts, activities, contacts, deals, leads

MAX_ROWS = 500

UPDATE: dict[type[models.Model], Callable[..., Any]] = {
    Account: lambda actor, obj, data: accounts.account_update(actor=actor, account=obj, data=data),
    Contact: lambda actor, obj, data: contacts.contact_update(actor=actor, contact=obj, data=data),
    Lead: lambda actor, obj, data: leads.lead_update(actor=actor, lead=obj, data=data),
    Deal: lambda actor, obj, data: deals.deal_update(actor=actor, deal=obj, data=data),
    Activity: lambda actor, obj, data: activities.activity_update(actor=actor, activity=obj, data=data),
}
DELETE: dict[type[models.Model], Callable[..., Any]] = {
    Account: lambda actor, obj: accounts.account_delete(actor=actor, account=obj),
    Contact: lambda actor, obj: contacts.contact_delete(actor=actor, contact=obj),
    Lead: lambda actor, obj: leads.lead_delete(actor=actor, lead=obj),
    Deal: lambda actor, obj: deals.deal_delete(actor=actor, deal=obj),
    Activity: lambda actor, obj: activities.activity_delete(actor=actor, activity=obj),
}
TAGGED = (Account, Contact, Lead, Deal)
# The statuses a list can set in bulk, per record type.
STATUSES: dict[type[models.Model], tuple[str, ...]] = {
    Account: ("active", "archived"),
    Lead: tuple(str(s) for s in leads.SETTABLE_STATUSES),
    Deal: (DealStatus.OPEN, DealStatus.WON, DealStatus.LOST),
    Activity: ("open", "done"),
}


@dataclass(frozen=True)
class Refusal:
    """One record a bulk change could not be applied to, and why."""

    record_id: int
    name: str
    message: str


class BulkRefused(ServiceError):
    """Some of the chosen records refused the change, so none of them changed."""

    status = 409
    code = "bulk-refused"

    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        names = "; ".join(f"{r.name}: {r.message}" for r in refusals[:20])
        more = len(refusals) - 20
        if more > 0:
            names += " " + _("(and %(n)d more)") % {"n": more}
        detail = ngettext(
            "Nothing was changed: %(n)d record refused the change. %(names)s",
            "Nothing was changed: %(n)d records refused the change. %(names)s",
            len(refusals),
        ) % {"n": len(refusals), "names": names}
        super().__init__(detail)


@dataclass(frozen=True)
class BulkResult:
    changed: int
    unchanged: int


def _ids(ids: Iterable[Any]) -> list[int]:
    result = []
    for value in ids:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"ids": _("%(value)r is not an id.") % {"value": value}}) from None
        if not 0 < pk <= MAX_ID:
            raise ValidationError({"ids": _("%(value)r is not an id.") % {"value": value}})
        result.append(pk)
    result = list(dict.fromkeys(result))
    if not result:
        raise ValidationError({"ids": _("Choose at least one record.")})
    if len(result) > MAX_ROWS:
        raise ValidationError({"ids": _("Choose at most %(n)d records at a time.") % {"n": MAX_ROWS}})
    return result


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(f"{m}" for messages in exc.message_dict.values() for m in messages)
        return " ".join(exc.messages)
    return getattr(exc, "detail", str(exc))


def bulk_apply(
    actor: Member, model: type[models.Model], ids: Iterable[Any], change: Callable[[models.Model], bool | None]
) -> BulkResult:
    """Apply `change` to each chosen row the actor can see, all or nothing. `change` returns
    False for a row that is already as asked (it counts as unchanged, not as refused)."""
    wanted = _ids(ids)
    with transaction.atomic():
        rows = {obj.pk: obj for obj in visible_to(actor, model).filter(pk__in=wanted)}
        refusals: list[Refusal] = []
        changed = unchanged = 0
        for pk in wanted:
            obj = rows.get(pk)
            if obj is None:
                refusals.append(Refusal(pk, f"#{pk}", _("not found")))
                continue
            try:
                # A savepoint per row, so one refusal leaves the transaction usable for the rest.
                with transaction.atomic():
                    if change(obj) is False:
                        unchanged += 1
                    else:
                        changed += 1
            except (ServiceError, ValidationError) as exc:
                refusals.append(Refusal(pk, str(obj), _message(exc)))
        if refusals:
            raise BulkRefused(refusals)
    return BulkResult(changed=changed, unchanged=unchanged)


def bulk_update(*, actor: Member, model: type[models.Model], ids: Iterable[Any], data: dict[str, Any]) -> BulkResult:
    """Set the same fields (e.g. the owner) on every chosen record."""
    update = UPDATE[model]
    return bulk_apply(actor, model, ids, lambda obj: update(actor, obj, data))


def bulk_set_owner(*, actor: Member, model: type[models.Model], ids: Iterable[Any], owner: Any) -> BulkResult:
    return bulk_update(actor=actor, model=model, ids=ids, data={"owner": owner})


def bulk_tag(*, actor: Member, model: type[models.Model], ids: Iterable[Any], tag: Any, add: bool = True) -> BulkResult:
    """Put a tag on (or take it off) every chosen record."""
    if model not in TAGGED:
        raise ValidationError({"tag": _("This kind of record has no tags.")})
    try:
        tag_id = int(getattr(tag, "pk", tag))
    except (TypeError, ValueError):
        raise ValidationError({"tag": _("Choose a tag.")}) from None
    update = UPDATE[model]

    def change(obj: models.Model) -> bool:
        current = [t.pk for t in obj.tags.all()]  # type: ignore[attr-defined]
        if (tag_id in current) == add:
            return False
        update(actor, obj, {"tags": current + [tag_id] if add else [t for t in current if t != tag_id]})
        return True

    return bulk_apply(actor, model, ids, change)


def bulk_set_status(*, actor: Member, model: type[models.Model], ids: Iterable[Any], status: str, reason: str = "") -> BulkResult:
    """Set the status of every chosen record through the service that owns that transition."""
    allowed = STATUSES.get(model, ())
    if status not in allowed:
        raise ValidationError({"status": _("Choose one of: %(values)s.") % {"values": ", ".join(allowed) or "—"}})
    if model is Deal and status == DealStatus.LOST and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the deals were lost.")})

    def change(obj: Any) -> bool:
        if model is Account:
            if bool(obj.archived_at) == (status == "archived"):
                return False
            accounts.account_archive(actor=actor, account=obj, archived=status == "archived")
        elif model is Lead:
            if obj.status == status:
                return False
            leads.lead_update(actor=actor, lead=obj, data={"status": status})
        elif model is Activity:
            if bool(obj.done_at) == (status == "done"):
                return False
            activities.activity_complete(actor=actor, activity=obj, done=status == "done")
        else:
            if obj.status == status:
                return False
            if status == DealStatus.OPEN:
                deals.deal_reopen(actor=actor, deal=obj)
            elif status == DealStatus.WON:
                deals.deal_mark_won(actor=actor, deal=obj)
            else:
                deals.deal_mark_lost(actor=actor, deal=obj, reason=reason)
        return True

    return bulk_apply(actor, model, ids, change)


def bulk_move(*, actor: Member, ids: Iterable[Any], stage: Any) -> BulkResult:
    """Move every chosen deal to `stage` (of any pipeline of the workspace)."""
    try:
        stage_id = int(getattr(stage, "pk", stage))
        if not 0 < stage_id <= MAX_ID:
            raise ValueError(stage)
        target = Stage.objects.get(workspace_id=actor.workspace_id, pk=stage_id)
    except (Stage.DoesNotExist, TypeError, ValueError):
        raise ValidationError({"stage": _("Choose a stage of this workspace.")}) from None

    def change(deal: Any) -> bool:
        if deal.stage_id == target.pk:
            return False
        deals.deal_move(actor=actor, deal=deal, stage=target.pk, pipeline=target.pipeline_id)
        return True

    return bulk_apply(actor, Deal, ids, change)


def bulk_delete(*, actor: Member, model: type[models.Model], ids: Iterable[Any]) -> BulkResult:
    delete = DELETE[model]
    return bulk_apply(actor, model, ids, lambda obj: delete(actor, obj))
