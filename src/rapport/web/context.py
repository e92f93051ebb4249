"""Template context shared by every page: the member, their workspaces, the navigation counters."""

from django.db.models import Count, Subquery

from rapport.core import clock
from rapport.records.models import Activity, ActivityKind, Lead, LeadStatus
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to


def attention_counters(member: Member) -> dict[str, int]:
    """What needs the member's attention: their overdue tasks and the new leads assigned to them.

    Both counts come back in one query (two scalar subqueries), so every page pays one query
    for them, plus the org-chart lookup that visible_to caches on the member.
    """
    now = clock.now()
    overdue = (
        visible_to(member, Activity)
        .filter(owner=member, kind=ActivityKind.TASK, done_at__isnull=True, due_at__lt=now)
        .order_by()
        .values("owner")
        .annotate(n=Count("*"))
        .values("n")
    )
    new_leads = (
        visible_to(member, Lead)
        .filter(owner=member, status=LeadStatus.NEW, archived_at__isnull=True)
        .order_by()
        .values("owner")
        .annotate(n=Count("*"))
        .values("n")
    )
    row = (
        Member.objects.filter(pk=member.pk)
        .annotate(activities=Subquery(overdue[:1]), leads=Subquery(new_leads[:1]))
        .values("activities", "leads")
        .first()
    ) or {}
    return {"activities": row.get("activities") or 0, "leads": row.get("leads") or 0}


def navigation(request) -> dict:
    member = getattr(request, "member", None)
    if not member:
        return {}
    # Loaded with the member (api/auth.member_for_session); queried only if something else set it.
    loaded = getattr(request, "rapport_memberships", None)
    if loaded is not None:
        memberships = sorted(loaded, key=lambda m: (m.workspace.name, m.workspace_id))
    else:
        memberships = list(
            Member.objects.filter(user=request.user, is_active=True).select_related("workspace").order_by("workspace__name")
        )
    return {
        "member": member,
        "workspace": member.workspace,
        "memberships": memberships,
        "counters": attention_counters(member),
    }

