"""Time members spend in the app (SPEC D14), from the heartbeats of its focused, online window.

The web app sends a heartbeat every 30 seconds while its window has focus; a closed, hidden or
blurred window, or a lost connection, sends none, so only focused online time is counted. Each
heartbeat vouches for the 30 seconds before it and is merged into the member's latest interval
when it touches it (a late or repeated heartbeat changes nothing), so the table holds a few
rows per member and day however often the page beats.

Only the start of a new interval is logged as an event: one event per heartbeat would bury the
event log and the real-time bus under two messages a minute per member.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core import clock
from rapport.core.errors import PermissionDenied
from rapport.events import log
from rapport.events.models import EventType
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import team_ids

from ..models import UsageInterval
from .common import serialise

HEARTBEAT = dt.timedelta(seconds=30)
# A heartbeat a little late (a busy browser tab) still continues the interval.
TOLERANCE = dt.timedelta(seconds=15)


def _merge(actor: Member, member: Member, started: dt.datetime, ended: dt.datetime, *, backwards: bool = True) -> UsageInterval:
    serialise("usage", member.pk)
    latest = (
        UsageInterval.objects.select_for_update()
        .filter(workspace_id=member.workspace_id, member=member, started_at__lte=ended + TOLERANCE)
        .order_by("-ended_at")
        .first()
    )
    if latest is not None and latest.ended_at >= started - TOLERANCE:
        fields = []
        if ended > latest.ended_at:
            latest.ended_at = ended
            fields.append("ended_at")
        if backwards and started < latest.started_at:
            latest.started_at = started
            fields.append("started_at")
        if fields:
            latest.save(update_fields=fields)
        return latest
    interval = UsageInterval.objects.create(workspace_id=member.workspace_id, member=member, started_at=started, ended_at=ended)
    log.log(actor, interval, EventType.CREATED, after={"member": member, "started_at": started})
    return interval


@transaction.atomic
def usage_heartbeat(*, actor: Member) -> UsageInterval:
    """The actor's window is focused and online now: extend (or start) their usage interval."""
    if not actor.is_active:
        raise PermissionDenied(_("This membership is not active."))
    now = clock.now()
    # Heartbeats only ever extend forwards: one delayed in transit vouches for nothing new.
    return _merge(actor, actor, now - HEARTBEAT, now, backwards=False)


@transaction.atomic
def usage_interval_record(*, actor: Member, member: Member, started_at: dt.datetime, ended_at: dt.datetime) -> UsageInterval:
    """Record a known stretch of use (imports, demo data); the member themselves, their managers or an admin."""
    if member.workspace_id != actor.workspace_id or not actor.is_active:
        raise PermissionDenied(_("You may not record usage for this member."))
    if not actor.is_admin and member.pk not in team_ids(actor):
        raise PermissionDenied(_("You may not record usage for this member."))
    if started_at.tzinfo is None or ended_at.tzinfo is None:
        raise ValidationError({"started_at": _("Give aware date-times.")})
    if ended_at <= started_at:
        raise ValidationError({"ended_at": _("The end comes before the start.")})
    if ended_at > clock.now():
        raise ValidationError({"ended_at": _("This moment is in the future.")})
    return _merge(actor, member, started_at, ended_at)
