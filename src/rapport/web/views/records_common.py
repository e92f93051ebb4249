"""What the record pages know about each record type (model, API filters and orderings, columns),
and the guard every record page runs behind (signed-in member, errors as 404 / 403 pages)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, linebreaksbr
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import FilterSchema

from rapport.api import records as api_records
from rapport.api.crud import Resource
from rapport.core.errors import NotFound, PermissionDenied, ServiceError
from rapport.records.models import Account, Activity, Contact, Deal, Lead
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import can

# --- The acting member and the page guard -------------------------------------------------------


def acting_member(request: HttpRequest) -> Member | None:
    """The Member behind `request.member` (the middleware's lazy object, unwrapped for services)."""
    member = getattr(request, "member", None)
    if isinstance(member, LazyObject):
        if member._wrapped is empty:  # type: ignore[attr-defined]
            member._setup()  # type: ignore[attr-defined]
        member = member._wrapped  # type: ignore[attr-defined]
    return member or None


def member_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run a record page as the signed-in member, in the workspace's time zone.

    A record the member may not see is "not found" (404, like a missing one); one they see but
    may not change answers a 403 page. Either way nothing was written: services check first.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = acting_member(request)
        if actor is None:
            raise Http404(_("You are not a member of any workspace."))
        request.actor = actor  # type: ignore[attr-defined]
        try:
            with timezone.override(_zone(actor.workspace.time_zone)):
                return view(request, *args, **kwargs)
        except NotFound:
            raise Http404(_("Not found.")) from None
        except PermissionDenied as exc:
            return render(request, "web/records/denied.html", {"message": exc.detail}, status=403)
        except ServiceError as exc:
            # A state conflict no form anticipated (e.g. completing a task done a moment ago
            # in another tab): say so, never a server error.
            return render(
                request,
                "web/records/denied.html",
                {"message": exc.detail, "title": _("That did not work")},
                status=exc.status,
            )
        except ValidationError as exc:
            messages = (
                [m for ms in exc.message_dict.values() for m in ms]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            return render(
                request,
                "web/records/denied.html",
                {"message": " ".join(messages), "title": _("That did not work")},
                status=422,
            )

    return wrapper


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def require_page(actor: Member, action: str, obj: models.Model | type[models.Model]) -> None:
    """Refuse to show a form for a change the member may not make (403; 404 if not even visible)."""
    if not can(actor, action, obj):
        name = obj._meta.verbose_name if isinstance(obj, type) else type(obj)._meta.verbose_name
        if not isinstance(obj, type) and not can(actor, Action.VIEW, obj):
            raise NotFound(str(name))
        raise PermissionDenied(
            str(_("You may not %(action)s this %(name)s.") % {"action": action, "name": name})
        )


# --- Columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One table cell: a value to show (rendered escaped), an optional link, how to format it."""

    value: Any
    href: str = ""
    kind: str = "text"  # text | money | date | datetime | bool | badge | tags

    @property
    def html(self) -> SafeString:
        """The cell's markup. Built here rather than by a template include per cell: a list page
        has hundreds of cells, and an include each was a fifth of the page's time. Plain
        f-strings over escaped values: format_html's own machinery cost twice the markup."""
        value, kind = self.value, self.kind
        esc = conditional_escape
        if kind == "tags":
            if not value:
                return _empty_cell()
            return mark_safe(" ".join(f'<span class="badge">{esc(v)}</span>' for v in value))
        if value is None or value == "":
            return _empty_cell()
        if kind == "bool":
            return esc(gettext("Yes") if value else gettext("No"))
        if kind == "datetime":
            value = template_localtime(value)
            return mark_safe(f'<time datetime="{esc(date_filter(value, "c"))}">{esc(date_filter(value, "SHORT_DATETIME_FORMAT"))}</time>')
        if kind == "date":
            return mark_safe(f'<time datetime="{esc(date_filter(value, "Y-m-d"))}">{esc(date_filter(value, "SHORT_DATE_FORMAT"))}</time>')
        if kind == "money":
            return mark_safe(f'<span class="cell-money">{esc(floatformat(value, "2g"))}</span>')
        if kind == "multiline":
            return mark_safe(f'<span class="cell-multiline">{linebreaksbr(value, autoescape=True)}</span>')
        if kind.startswith("badge"):
            return mark_safe(f'<span class="{esc(kind)}">{esc(value)}</span>')
        if self.href:
            if "://" in self.href:
                return mark_safe(f'<a href="{esc(self.href)}" rel="noopener noreferrer nofollow" target="_blank">{esc(value)}</a>')
            return mark_safe(f'<a href="{esc(self.href)}">{esc(value)}</a>')
        return esc(value)


def _empty_cell() -> SafeString:
    return mark_safe(f'<span class="muted" aria-label="{conditional_escape(gettext("empty"))}">—</span>')


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    cell: Callable[[Any, Member], Cell]
    sort: str | None = None
    related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()
    numeric: bool = False


def _plain(attr: str, kind: str = "text") -> Callable[[Any, Member], Cell]:
    return lambda obj, actor: Cell(getattr(obj, attr), kind=kind)


def _display(attr: str, kind: str = "text") -> Callable[[Any, Member], Cell]:
    return lambda obj, actor: Cell(getattr(obj, f"get_{attr}_display")(), kind=kind)


def _member(attr: str) -> Callable[[Any, Member], Cell]:
    def cell(obj: Any, actor: Member) -> Cell:
        member = getattr(obj, attr)
        return Cell(member.display_name if member is not None else None)

    return cell


def _record(attr: str) -> Callable[[Any, Member], Cell]:
    """A link to a related record, shown only if the member may see it (private accounts)."""

    def cell(obj: Any, actor: Member) -> Cell:
        related = getattr(obj, attr)
        if related is None:
            return Cell(None)
        if not can(actor, Action.VIEW, related):
            return Cell(_("(hidden)"))
        return Cell(str(related), href=detail_url(related))

    return cell


def _first(attr: str) -> Callable[[Any, Member], Cell]:
    return lambda obj, actor: Cell((getattr(obj, attr) or [None])[0])


def _tags(obj: Any, actor: Member) -> Cell:
    return Cell([t.name for t in obj.tags.all()], kind="tags")


def _title(attr: str | None = None) -> Callable[[Any, Member], Cell]:
    return lambda obj, actor: Cell(getattr(obj, attr) if attr else str(obj), href=detail_url(obj))


def _timestamps() -> tuple[Column, ...]:
    return (
        Column("created_at", _("Created"), _plain("created_at", "datetime"), sort="created_at"),
        Column("updated_at", _("Updated"), _plain("updated_at", "datetime"), sort="updated_at"),
    )


def _regarding(obj: Activity, actor: Member) -> Cell:
    for attr in ("deal", "lead", "contact", "account"):
        if getattr(obj, f"{attr}_id"):
            return _record(attr)(obj, actor)
    return Cell(None)


def _deal_status(obj: Deal, actor: Member) -> Cell:
    return Cell(obj.get_status_display(), kind=f"badge status-{obj.status}")


def _contact_name(obj: Contact, actor: Member) -> Cell:
    return Cell(str(obj) or obj.last_name, href=detail_url(obj))


def _lead_person(obj: Lead, actor: Member) -> Cell:
    return Cell(f"{obj.first_name} {obj.last_name}".strip())


def _done(obj: Activity, actor: Member) -> Cell:
    return Cell(obj.done_at, kind="datetime")


ACCOUNT_COLUMNS = (
    Column("name", _("Name"), _title("name"), sort="name"),
    Column("kind", _("Kind"), _display("kind")),
    Column("account_type", _("Type"), _plain("account_type"), related=("account_type",)),
    Column("organisation", _("Organisation"), _plain("organisation")),
    Column("city", _("City"), _plain("city")),
    Column("country", _("Country"), _plain("country")),
    Column("industry", _("Industry"), _plain("industry")),
    Column("email", _("E-mail"), _first("emails")),
    Column("phone", _("Phone"), _first("phones")),
    Column("owner", _("Owner"), _member("owner"), related=("owner__user",)),
    Column("parent", _("Parent account"), _record("parent"), related=("parent",)),
    Column("tags", _("Tags"), _tags, prefetch=("tags",)),
    Column("is_global", _("Global"), _plain("is_global", "bool")),
    Column("archived_at", _("Archived"), _plain("archived_at", "datetime")),
    *_timestamps(),
)
CONTACT_COLUMNS = (
    Column("name", _("Name"), _contact_name, sort="last_name"),
    Column("job_title", _("Job title"), _plain("job_title")),
    Column("contact_type", _("Contact type"), _plain("contact_type")),
    Column("account", _("Account"), _record("account"), related=("account",)),
    Column("email", _("E-mail"), _first("emails")),
    Column("phone", _("Phone"), _first("phones")),
    Column("owner", _("Owner"), _member("owner"), related=("owner__user",)),
    Column("tags", _("Tags"), _tags, prefetch=("tags",)),
    *_timestamps(),
)
LEAD_COLUMNS = (
    Column("title", _("Title"), _title("title"), sort="title"),
    Column("status", _("Status"), _display("status", "badge")),
    Column("source", _("Source"), _display("source")),
    Column("priority", _("Priority"), _display("priority")),
    Column("company", _("Company"), _plain("company")),
    Column("person", _("Person"), _lead_person),
    Column("email", _("E-mail"), _plain("email")),
    Column("phone", _("Phone"), _plain("phone")),
    Column("owner", _("Owner"), _member("owner"), related=("owner__user",)),
    Column("account", _("Account"), _record("account"), related=("account",)),
    Column("budget", _("Budget"), _plain("budget", "money"), numeric=True),
    Column("tags", _("Tags"), _tags, prefetch=("tags",)),
    *_timestamps(),
)
DEAL_COLUMNS = (
    Column("name", _("Name"), _title("name"), sort="name"),
    Column("account", _("Account"), _record("account"), related=("account",)),
    Column("pipeline", _("Pipeline"), _plain("pipeline"), related=("pipeline",)),
    Column("stage", _("Stage"), _plain("stage"), related=("stage",)),
    Column("status", _("Status"), _deal_status),
    Column("amount", _("Amount"), _plain("amount", "money"), sort="amount", numeric=True),
    Column("currency", _("Currency"), _plain("currency")),
    Column("expected_close", _("Expected close"), _plain("expected_close", "date")),
    Column("owner", _("Owner"), _member("owner"), related=("owner__user",)),
    Column("tags", _("Tags"), _tags, prefetch=("tags",)),
    Column(
        "stage_changed_at",
        _("In stage since"),
        _plain("stage_changed_at", "datetime"),
        sort="stage_changed_at",
    ),
    *_timestamps(),
)
ACTIVITY_COLUMNS = (
    Column("subject", _("Subject"), _title("subject")),
    Column("kind", _("Kind"), _display("kind", "badge")),
    Column("owner", _("Assignee"), _member("owner"), related=("owner__user",)),
    Column("due_at", _("Due"), _plain("due_at", "datetime")),
    Column("done_at", _("Done"), _done),
    Column("regarding", _("Regarding"), _regarding, related=("account", "contact", "lead", "deal")),
    Column("direction", _("Direction"), _display("direction")),
    Column("category", _("Category"), _plain("category")),
    *_timestamps(),
)


# --- Record kinds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    """One record type as the web app shows it; filters and orderings are the API's own."""

    record_type: str
    slug: str
    model: type[models.Model]
    resource: Resource
    label: Any
    label_plural: Any
    columns: tuple[Column, ...]
    default_columns: tuple[str, ...]
    detail_related: tuple[str, ...] = ()
    detail_prefetch: tuple[str, ...] = field(default_factory=tuple)

    @property
    def filters(self) -> type[FilterSchema]:
        return self.resource.filters

    @property
    def orderings(self) -> tuple[str, ...]:
        return self.resource.orderings

    @property
    def default_ordering(self) -> str:
        return self.resource.default_ordering

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


KINDS: dict[str, RecordKind] = {
    kind.slug: kind
    for kind in (
        RecordKind(
            "account",
            "accounts",
            Account,
            api_records.accounts,
            _("account"),
            _("Accounts"),
            ACCOUNT_COLUMNS,
            ("name", "kind", "city", "owner", "tags", "updated_at"),
            detail_related=("owner__user", "account_type", "parent"),
            detail_prefetch=("tags", "groups"),
        ),
        RecordKind(
            "contact",
            "contacts",
            Contact,
            api_records.contacts,
            _("contact"),
            _("Contacts"),
            CONTACT_COLUMNS,
            ("name", "job_title", "account", "email", "phone", "owner"),
            detail_related=("owner__user", "account"),
            detail_prefetch=("tags",),
        ),
        RecordKind(
            "lead",
            "leads",
            Lead,
            api_records.leads,
            _("lead"),
            _("Leads"),
            LEAD_COLUMNS,
            ("title", "status", "source", "company", "owner", "created_at"),
            detail_related=("owner__user", "account", "deal"),
            detail_prefetch=("tags",),
        ),
        RecordKind(
            "deal",
            "deals",
            Deal,
            api_records.deals,
            _("deal"),
            _("Deals"),
            DEAL_COLUMNS,
            ("name", "account", "stage", "status", "amount", "owner", "expected_close"),
            detail_related=("owner__user", "account", "pipeline", "stage"),
            detail_prefetch=("tags",),
        ),
        RecordKind(
            "activity",
            "activities",
            Activity,
            api_records.activities,
            _("activity"),
            _("Activities"),
            ACTIVITY_COLUMNS,
            ("subject", "kind", "owner", "due_at", "done_at", "regarding"),
            detail_related=("owner__user", "account", "contact", "lead", "deal"),
            detail_prefetch=("participant_members__user", "participant_contacts"),
        ),
    )
}
BY_TYPE: dict[str, RecordKind] = {kind.record_type: kind for kind in KINDS.values()}


def kind_of(obj_or_type: models.Model | str) -> RecordKind | None:
    record_type = (
        obj_or_type
        if isinstance(obj_or_type, str)
        else getattr(type(obj_or_type), "RECORD_TYPE", None)
    )
    return BY_TYPE.get(record_type or "")


def detail_url(
    obj: models.Model | None = None, *, record_type: str = "", pk: int | None = None
) -> str:
    """/<type>/<id>/ of a record (or of `record_type` and `pk`)."""
    if obj is not None:
        record_type, pk = getattr(type(obj), "RECORD_TYPE", ""), obj.pk
    kind = BY_TYPE.get(record_type)
    return f"/{kind.slug}/{pk}/" if kind is not None and pk else ""
