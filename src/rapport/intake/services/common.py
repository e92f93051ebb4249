"""What the intake services share: serialising repeated deliveries, and checking times sent to us."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from rapport.core import clock
from rapport.workspaces.models import Member

# Telephony and chat systems stamp events with their own clocks; a little drift is normal.
CLOCK_SKEW = dt.timedelta(minutes=10)


def serialise(*parts: Any) -> None:
    """Hold a transaction-long lock named by `parts`, so two deliveries of one item run one after the other.

    On PostgreSQL an advisory lock (nothing to clean up, released at commit or rollback); the
    embedded SQLite database runs write transactions one at a time already.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def moment(value: Any, field: str) -> dt.datetime:
    """An aware moment no later than a few minutes from now (default: now)."""
    now = clock.now()
    if value is None:
        return now
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationError({field: _("Give an ISO 8601 date and time with its UTC offset.")})
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 exists in Python, not in UTC
        raise ValidationError({field: _("Give a moment between the years 1 and 9999 (UTC).")}) from None
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: _("This moment is in the future.")})
    return value


def active_member(actor: Member, value: Any, field: str) -> Member:
    """A member of the actor's workspace given by id (default: the actor)."""
    if value is None:
        return actor
    member_id = getattr(value, "pk", value)
    member = (
        Member.objects.select_related("user", "role").filter(workspace_id=actor.workspace_id, is_active=True, pk=member_id).first()
        if isinstance(member_id, int)
        else None
    )
    if member is None:
        raise ValidationError({field: _("No active member with id %(id)s in this workspace.") % {"id": value}})
    return member
