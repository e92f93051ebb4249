"""Latest uploads (SPEC D9): files attached in the period to records the member may see."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.records.models import Account, Activity, Attachment, Contact, Deal, Lead
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

from ..links import detail_link
from ..periods import Period
from .base import Params, chart, dataset, fmt_count, number, row, widget
from .common import by_local_day, counts_by, member_names

# A file is as visible as the record it hangs on (notes, tasks and messages are activities).
ATTACHABLE = {"account": Account, "contact": Contact, "lead": Lead, "deal": Deal, "activity": Activity}
LATEST = 10


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def attachments_visible_to(actor: Member):
    visible = reduce(or_, (Q(object_type=t, object_id__in=visible_to(actor, m).values("id")) for t, m in ATTACHABLE.items()))
    return visible_to(actor, Attachment).filter(visible)


@widget(
    "latest_uploads",
    title=gettext_lazy("Latest uploads"),
    description=gettext_lazy("Files attached by anyone in the period to records you may see."),
    default_view="list",
    refresh_on=("attachment", *ATTACHABLE),
)
def latest_uploads(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc, ws = params.locale, params.workspace
    start, end = params.window(period)
    uploads = attachments_visible_to(actor).filter(uploaded_at__gte=start, uploaded_at__lt=end)
    latest = list(uploads.order_by("-uploaded_at", "-id")[:LATEST])
    names = member_names(a.uploaded_by_id for a in latest)
    rows = [
        row(f"attachment:{a.pk}", a.name, a.size, display=_size(a.size), link=detail_link(a.object_type, a.object_id),
            object_type=a.object_type, object_id=a.object_id, version=a.version, content_type=a.content_type,
            uploaded_at=a.uploaded_at.isoformat(), uploaded_by=a.uploaded_by_id, uploaded_by_name=names.get(a.uploaded_by_id, ""))
        for a in latest
    ]
    total = uploads.count()
    per_day = counts_by(by_local_day(uploads, "uploaded_at", ws.time_zone), "_day")
    prev_start, prev_end = params.window(period.previous())
    previous = attachments_visible_to(actor).filter(uploaded_at__gte=prev_start, uploaded_at__lt=prev_end).count()
    days = period.days()
    return {
        "number": number(total, display=fmt_count(total, loc), label=_("files uploaded"), previous=previous),
        "rows": rows,
        "chart": chart("bar", [d.isoformat() for d in days], [dataset(_("Uploads"), [per_day.get(d, 0) for d in days])]),
        "extra": {"shown": len(rows), "total": total},
    }
