"""NPS (SPEC D15), messages (D16) and response time (D17), from the chat intake.

- NPS: answers given in the period to "how likely are you to recommend us?" after a closed
  conversation: promoters 9-10, passives 7-8, detractors 0-6; NPS = %promoters - %detractors.
- Messages: incoming per source (each chat channel, e-mail, web form), outgoing chat messages per
  member, conversations completed per member. Chat messages and e-mails are counted on their
  activities, web-form submissions on the leads they created, completions on the event log.
- Response time: the mean of (our reply - the customer's previous message), where a reply is an
  outbound message right after an inbound one, per day of the period, beside the same days of
  the previous period.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.events.models import Event, EventType
from rapport.intake.models import Channel, Message, MessageDirection
from rapport.intake.selectors import conversations_visible_to, messages_visible_to
from rapport.records.models import Activity, ActivityKind, Lead, LeadSource
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import sees_all_of, visible_to

from ..links import events_link, list_link
from ..periods import Period
from .base import (
    Params,
    chart,
    dataset,
    fmt_count,
    fmt_minutes,
    number,
    row,
    share_of_largest,
    widget,
)
from .common import by_local_day, counts_by, member_names

CHANNELS = dict(Channel.choices)


def _nps(actor: Member, start: Any, end: Any) -> dict[str, int]:
    return conversations_visible_to(actor).filter(rated_at__gte=start, rated_at__lt=end, rating__isnull=False).aggregate(
        answers=Count("pk"),
        promoters=Count("pk", filter=Q(rating__gte=9)),
        passives=Count("pk", filter=Q(rating__gte=7, rating__lte=8)),
        detractors=Count("pk", filter=Q(rating__lte=6)),
    )


def _score(figures: dict[str, int]) -> float | None:
    if not figures["answers"]:
        return None
    return round((figures["promoters"] - figures["detractors"]) / figures["answers"] * 100, 1)


@widget(
    "nps",
    title=gettext_lazy("NPS"),
    description=gettext_lazy("Net promoter score of the ratings customers gave closed conversations in the period."),
    refresh_on=("conversation",),
)
def nps(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc = params.locale
    figures = _nps(actor, *params.window(period))
    previous = _nps(actor, *params.window(period.previous()))
    score, previous_score = _score(figures), _score(previous)
    answers = figures["answers"]
    groups = [
        ("promoters", _("Promoters (9-10)")),
        ("passives", _("Passives (7-8)")),
        ("detractors", _("Detractors (0-6)")),
    ]
    rows = [
        row(key, label, figures[key], display=fmt_count(figures[key], loc), share=figures[key] / answers * 100 if answers else None)
        for key, label in groups
    ]
    return {
        "number": None if score is None else number(
            score, display=("+" if score > 0 else "") + f"{score:g}",
            label=_("NPS from %(n)s answers") % {"n": fmt_count(answers, loc)}, previous=previous_score,
        ),
        "rows": rows,
        "chart": chart("doughnut", [label for _k, label in groups], [dataset(_("Answers"), [figures[k] for k, _l in groups])]),
        "extra": {**figures, "nps": score, "previous_nps": previous_score},
    }


@widget(
    "messages",
    title=gettext_lazy("Messages"),
    description=gettext_lazy("Incoming messages per source, outgoing messages per member, and conversations completed per member."),
    default_view="list",
    refresh_on=("activity", "message", "conversation", "lead"),
)
def messages(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc = params.locale
    start, end = params.window(period)
    known = {"created_at__lte": params.as_of} if params.as_of else {}
    activities = visible_to(actor, Activity).filter(done_at__gte=start, done_at__lt=end, **known)
    chat_in = counts_by(activities.filter(kind=ActivityKind.MESSAGE, direction=MessageDirection.INBOUND), "category")
    email_in = activities.filter(kind=ActivityKind.EMAIL, direction=MessageDirection.INBOUND).count()
    web_forms = visible_to(actor, Lead).filter(source=LeadSource.WEB_FORM, created_at__gte=start, created_at__lt=end).count()
    chat_out = counts_by(activities.filter(kind=ActivityKind.MESSAGE, direction=MessageDirection.OUTBOUND), "owner")
    completions = Event.objects.filter(
        workspace_id=actor.workspace_id, object_type="conversation", event_type=EventType.COMPLETED,
        occurred_at__gte=start, occurred_at__lt=end, object_id__in=conversations_visible_to(actor).values("id"),
    )
    completed = counts_by(completions, "actor")
    names = member_names([*chat_out, *completed])

    def activity_link(**filters: Any) -> str:
        return list_link("activity", done_after=start, done_before=end, created_before=params.as_of, **filters)

    incoming = [
        (f"in:{channel}", CHANNELS.get(channel, channel or _("Other")), n, activity_link(kind="message", direction="inbound", category=channel))
        for channel, n in sorted(chat_in.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    incoming.append(("in:email", _("E-mail"), email_in, activity_link(kind="email", direction="inbound")))
    incoming.append(("in:web_form", _("Web form"), web_forms, list_link("lead", source="web_form", created_after=start, created_before=end)))
    incoming.sort(key=lambda item: -item[2])
    shares = share_of_largest([n for _k, _l, n, _u in incoming])
    rows = [
        row(key, label, n, display=fmt_count(n, loc), share=share, link=url, section="incoming")
        for (key, label, n, url), share in zip(incoming, shares, strict=True)
    ]
    for owner, n in sorted(chat_out.items(), key=lambda kv: (-kv[1], kv[0] or 0)):
        rows.append(row(f"out:member:{owner or 0}", names.get(owner, "?"), n, display=fmt_count(n, loc),
                        link=activity_link(kind="message", direction="outbound", owner=owner) if owner else None,
                        section="outgoing", member=owner))
    for member_id, n in sorted(completed.items(), key=lambda kv: (-kv[1], kv[0] or 0)):
        rows.append(row(f"completed:member:{member_id or 0}", names.get(member_id, "?"), n, display=fmt_count(n, loc),
                        link=events_link(object_type="conversation", event_type="completed", user=member_id, since=start, until=end) if member_id else None,
                        section="completed", member=member_id))
    total_in = sum(n for _k, _l, n, _u in incoming)
    return {
        "number": number(total_in, display=fmt_count(total_in, loc), label=_("incoming messages"), compare=False),
        "rows": rows,
        "chart": chart("bar", [label for _k, label, _n, _u in incoming], [
            dataset(_("Incoming"), [n for _k, _l, n, _u in incoming], links=[u for _k, _l, _n, u in incoming]),
        ]),
        "extra": {
            "incoming": total_in,
            "outgoing": sum(chat_out.values()),
            "completed": sum(completed.values()),
            "sections": {"incoming": _("Incoming per source"), "outgoing": _("Outgoing per member"), "completed": _("Conversations completed")},
        },
    }


def _messages(actor: Member) -> Any:
    """The messages the member may see. Conversations follow activities' view scope; when that is
    "all", every conversation of the workspace is visible and so is every message (a message is
    its conversation's workspace's), so the join with all of the workspace's conversations is
    skipped (a seq scan of 50,000 rows for each of the widget's five queries)."""
    return visible_to(actor, Message) if sees_all_of(actor, Activity) else messages_visible_to(actor)


def _replies(actor: Member, params: Params, start: Any, end: Any):
    qs = _messages(actor).filter(direction=MessageDirection.OUTBOUND, response_seconds__isnull=False, sent_at__gte=start, sent_at__lt=end)
    return qs.filter(created_at__lte=params.as_of) if params.as_of else qs


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 60, 1)


@widget(
    "response_time",
    title=gettext_lazy("Response time"),
    description=gettext_lazy("Mean time between a customer's message and our reply, per day, beside the previous period."),
    default_view="chart",
    refresh_on=("message",),
)
def response_time(actor: Member, period: Period, params: Params) -> dict[str, Any]:
    loc, tz = params.locale, params.workspace.time_zone
    prev = period.previous()
    current, previous = _replies(actor, params, *params.window(period)), _replies(actor, params, *params.window(prev))
    overall = current.aggregate(mean=Avg("response_seconds"), n=Count("pk"))
    overall_prev = previous.aggregate(mean=Avg("response_seconds"), n=Count("pk"))
    daily = {r["_day"]: r["mean"] for r in by_local_day(current, "sent_at", tz).order_by().values("_day").annotate(mean=Avg("response_seconds"))}
    daily_prev = {r["_day"]: r["mean"] for r in by_local_day(previous, "sent_at", tz).order_by().values("_day").annotate(mean=Avg("response_seconds"))}
    per_author = list(current.order_by().values("author").annotate(mean=Avg("response_seconds"), n=Count("pk")))
    names = member_names(r["author"] for r in per_author)
    rows = [
        row(f"member:{r['author'] or 0}", names.get(r["author"], "?"), _minutes(r["mean"]), display=fmt_minutes(_minutes(r["mean"]), loc),
            member=r["author"], replies=r["n"])
        for r in sorted(per_author, key=lambda r: (r["mean"], r["author"] or 0))
    ]
    mean, mean_prev = _minutes(overall["mean"]), _minutes(overall_prev["mean"])
    days, prev_days = period.days(), prev.days()
    return {
        "number": None if mean is None else number(
            mean, display=fmt_minutes(mean, loc), label=_("mean response from %(n)s replies") % {"n": fmt_count(overall["n"], loc)}, previous=mean_prev,
        ),
        "rows": rows,
        "chart": chart("line", [d.isoformat() for d in days], [
            dataset(_("This period"), [_minutes(daily.get(d)) for d in days]),
            dataset(_("Previous period"), [_minutes(daily_prev.get(d)) for d in prev_days], style="muted"),
        ]),
        "extra": {
            "unit": "minutes",
            "replies": overall["n"],
            "previous_replies": overall_prev["n"],
            "previous_labels": [d.isoformat() for d in prev_days],
        },
    }
