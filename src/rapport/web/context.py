"""Template context shared by every page: the member, their workspaces, the navigation counters."""

from rapport.core import clock
from rapport.records.models import Activity, ActivityKind, Lead, LeadStatus
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to


def attention_counters(member: Member) -> dict[str, int]:
    """What needs the member's attention: their overdue tasks and the new leads assigned to them."""
    now = clock.now()
    overdue = (
        visible_to(member, Activity)
        .filter(owner=member, kind=ActivityKind.TASK, done_at__isnull=True, due_at__lt=now)
        .count()
    )
    new_leads = visible_to(member, Lead).filter(owner=member, status=LeadStatus.NEW, archived_at__isnull=True).count()
    return {"activities": overdue, "leads": new_leads}


def navigation(request) -> dict:
    member = getattr(request, "member", None)
    if not member:
        return {}
    memberships = (
        Member.objects.filter(user=request.user, is_active=True).select_related("workspace").order_by("workspace__name")
    )
    return {
        "member": member,
        "workspace": member.workspace,
        "memberships": memberships,
        "counters": attention_counters(member),
    }

