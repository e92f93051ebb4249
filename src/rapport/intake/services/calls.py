"""Calls reported by a telephony system become call activities (SPEC L9, D11).

The sending system names each call with its own id (`external_id`); a repeated delivery of the
same id updates that call (its duration, recording, end) instead of adding a second one, so the
webhook may be retried freely. The customer's number is matched to a contact, or failing that to
a lead, that the posting member may see.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.records.models import Account, Activity, ActivityKind, Contact, Lead
from rapport.records.services.activities import ACTIVITY_FIELDS
from rapport.records.services.base import record_create, record_update
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import require, visible_to

from ..phones import contact_by_phone, lead_by_phone
from .common import active_member, moment, serialise

CALL_FIELDS = (*ACTIVITY_FIELDS, "external_id")
# What a repeated delivery may change: a call is first reported ringing, later with its length.
CALL_UPDATE_FIELDS = ("duration_minutes", "done_at", "recording_url", "body")
MAX_DURATION = 24 * 3600


def _duration(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DURATION:
        raise ValidationError({"duration_seconds": _("Give the length in seconds, from 0 to %(max)d.") % {"max": MAX_DURATION}})
    return value


def _external_id(value: Any) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > 100 or "\x00" in value:
        raise ValidationError({"external_id": _("Give the call's id in the sending system (1 to 100 characters).")})
    return value


def _linked(actor: Member, model: type, value: Any, field: str) -> Any:
    if value is None:
        return None
    found = visible_to(actor, model).filter(pk=value).first() if isinstance(value, int) else None
    if found is None:
        raise ValidationError({field: _("No %(kind)s with id %(id)s in this workspace.") % {"kind": model._meta.verbose_name, "id": value}})
    return found


def _describe(direction: str, number: str, from_number: str, to_number: str, seconds: int) -> tuple[str, str]:
    if direction == "inbound":
        subject = _("Incoming call from %(number)s") % {"number": number}
    else:
        subject = _("Outgoing call to %(number)s") % {"number": number}
    minutes, secs = divmod(seconds, 60)
    body = _("From %(from)s to %(to)s; %(min)d min %(sec)02d s.") % {"from": from_number, "to": to_number, "min": minutes, "sec": secs}
    return subject, body


@transaction.atomic
def call_log(*, actor: Member, data: Mapping[str, Any]) -> tuple[Activity, bool]:
    """Record a call (direction, numbers, start, length, recording); (activity, created).

    The call belongs to `member` when given (the extension's owner), else to the posting member;
    the add permission for activities decides whether the poster may file it under that member.
    """
    require(actor, Action.ADD, Activity)
    external_id = _external_id(data.get("external_id"))
    direction = data.get("direction")
    if direction not in ("inbound", "outbound"):
        raise ValidationError({"direction": _("Say whether the call was inbound or outbound.")})
    from_number, to_number = data.get("from_number") or "", data.get("to_number") or ""
    customer_number = from_number if direction == "inbound" else to_number
    if not customer_number:
        raise ValidationError({"from_number" if direction == "inbound" else "to_number": _("Give the customer's number.")})
    seconds = _duration(data.get("duration_seconds"))
    started = moment(data.get("started_at"), "started_at")
    ended = started + dt.timedelta(seconds=seconds)
    subject, body = _describe(direction, customer_number, from_number, to_number, seconds)
    values: dict[str, Any] = {
        "duration_minutes": math.ceil(seconds / 60),
        "done_at": ended,
        "recording_url": data.get("recording_url") or "",
        "body": body,
    }

    serialise("call", actor.workspace_id, external_id)
    existing = Activity.objects.filter(workspace_id=actor.workspace_id, kind=ActivityKind.CALL, external_id=external_id).first()
    if existing is not None:
        return record_update(actor, existing, values, fields=CALL_UPDATE_FIELDS), False

    owner = active_member(actor, data.get("member"), "member")
    region = data.get("region") or None
    contact = _linked(actor, Contact, data.get("contact"), "contact") or contact_by_phone(actor, customer_number, region)
    lead = _linked(actor, Lead, data.get("lead"), "lead")
    if contact is None and lead is None:
        lead = lead_by_phone(actor, customer_number, region)
    values.update({
        "kind": ActivityKind.CALL,
        "subject": (data.get("subject") or subject)[:300],
        "direction": direction,
        "owner": owner.pk,
        "external_id": external_id,
        "contact": contact.pk if contact else None,
        "account": contact.account_id if contact else (lead.account_id if lead else None),
        "lead": lead.pk if lead else None,
    })
    if values["account"] is not None and not visible_to(actor, Account).filter(pk=values["account"]).exists():
        values["account"] = None  # a contact we see at a (private) account we do not: leave the account out
    return record_create(actor, Activity, values, fields=CALL_FIELDS), True
