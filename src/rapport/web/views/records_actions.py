"""Actions on one record from its detail page: move / win / lose / reopen a deal, its contacts,
qualify / disqualify / archive a lead, archive an account, delete any record. Each calls one
service; a refusal re-renders the page with the reason next to the form that caused it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rapport.core.errors import Conflict, NotFound, StaleVersion
from rapport.records import services
from rapport.records.models import Stage
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import MAX_ID

from ..forms_actions import DealContactForm, MoveForm, QualifyForm, ReasonForm, VersionForm
from .records_common import KINDS, RecordKind, detail_url, member_view, require_page
from .records_detail import fetch_record, render_detail
from .records_forms import STALE_MESSAGE


def _run(request: HttpRequest, kind: RecordKind, obj: Any, form: Any, form_key: str, write: Callable[[], Any]) -> HttpResponse | Any:
    """Call `write`; on a refusal answer the detail page with the message on `form`."""
    try:
        return write()
    except ValidationError as exc:
        messages_by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, texts in messages_by_field.items():
            for text in texts:
                form.add_error(key if key in form.fields else None, text)
        status = 422
    except StaleVersion:
        form.add_error(None, STALE_MESSAGE)
        status = 412
    except Conflict as exc:
        form.add_error(None, exc.detail)
        status = 409
    return render_detail(request, kind, obj, status=status, **{form_key: form})


def _version(form: Any) -> int | None:
    return form.cleaned_data.get("version") if form.is_valid() else None


def _action(slug: str, form_key: str, make_form: Callable[[HttpRequest, Member], Any], act: Callable[[Member, Any, Any], Any], done: Any):
    """A POST view for one action of one record type."""

    @require_POST
    @member_view
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        kind = KINDS[slug]
        actor: Member = request.actor  # type: ignore[attr-defined]
        obj = fetch_record(actor, kind, pk)
        form = make_form(request, actor)
        if not form.is_valid():
            return render_detail(request, kind, obj, status=422, **{form_key: form})
        result = _run(request, kind, obj, form, form_key, lambda: act(actor, obj, form.cleaned_data))
        if isinstance(result, HttpResponse):
            return result
        messages.success(request, done)
        target = getattr(result, "deal", None) if slug == "leads" and form_key == "qualify_form" else None
        return redirect(detail_url(target) if target is not None else detail_url(obj))

    return view


def _version_form(request: HttpRequest, actor: Member) -> VersionForm:
    return VersionForm(request.POST)


deal_move = _action(
    "deals", "move_form", lambda request, actor: MoveForm(request.POST, actor=actor),
    lambda actor, deal, data: services.deal_move(actor=actor, deal=deal, stage=data["stage"], pipeline=_pipeline_of(data["stage"]), expected_version=data.get("version")),
    _("The deal was moved."),
)
deal_won = _action(
    "deals", "error_form", _version_form,
    lambda actor, deal, data: services.deal_mark_won(actor=actor, deal=deal, expected_version=data.get("version")),
    _("The deal is won."),
)
deal_lost = _action(
    "deals", "lost_form", lambda request, actor: ReasonForm(request.POST, prefix_id="lost"),
    lambda actor, deal, data: services.deal_mark_lost(actor=actor, deal=deal, reason=data["reason"], expected_version=data.get("version")),
    _("The deal is lost."),
)
deal_reopen = _action(
    "deals", "error_form", _version_form,
    lambda actor, deal, data: services.deal_reopen(actor=actor, deal=deal, expected_version=data.get("version")),
    _("The deal is open again."),
)
lead_qualify = _action(
    "leads", "qualify_form", lambda request, actor: QualifyForm(request.POST, actor=actor),
    lambda actor, lead, data: services.lead_qualify(
        actor=actor, lead=lead, pipeline=data["pipeline"], amount=data.get("amount"), expected_version=data.get("version")
    ),
    _("The lead is qualified: here is its deal."),
)
lead_disqualify = _action(
    "leads", "disqualify_form", lambda request, actor: ReasonForm(request.POST, prefix_id="disqualify"),
    lambda actor, lead, data: services.lead_disqualify(actor=actor, lead=lead, reason=data["reason"], expected_version=data.get("version")),
    _("The lead is disqualified."),
)
lead_archive = _action(
    "leads", "error_form", _version_form,
    lambda actor, lead, data: services.lead_archive(actor=actor, lead=lead, archived=True, expected_version=data.get("version")),
    _("The lead is archived."),
)
lead_unarchive = _action(
    "leads", "error_form", _version_form,
    lambda actor, lead, data: services.lead_archive(actor=actor, lead=lead, archived=False, expected_version=data.get("version")),
    _("The lead is back in the list."),
)
account_archive = _action(
    "accounts", "error_form", _version_form,
    lambda actor, account, data: services.account_archive(actor=actor, account=account, archived=True),
    _("The account is archived."),
)
account_unarchive = _action(
    "accounts", "error_form", _version_form,
    lambda actor, account, data: services.account_archive(actor=actor, account=account, archived=False),
    _("The account is active again."),
)


def _pipeline_of(stage_id: int) -> int | None:
    return Stage.objects.filter(pk=stage_id).values_list("pipeline_id", flat=True).first()


@member_view
def deal_contact_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a contact to the deal with their role (its own small page: the contact list is long)."""
    actor: Member = request.actor  # type: ignore[attr-defined]
    kind = KINDS["deals"]
    deal = fetch_record(actor, kind, pk)
    require_page(actor, Action.EDIT, deal)
    form = DealContactForm(request.POST or None, actor=actor)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            result = _run(
                request, kind, deal, form, "contact_form",
                lambda: services.deal_contact_link(actor=actor, deal=deal, contact_id=form.cleaned_data["contact"], role=form.cleaned_data.get("role") or ""),
            )
            if not isinstance(result, HttpResponse):
                messages.success(request, _("The contact was added to the deal."))
                return redirect(detail_url(deal))
            if result.status_code != 422:
                return result
    return render(request, "web/records/deal_contacts.html", {"kind": kind, "section": kind.slug, "obj": deal, "form": form}, status=status)


@require_POST
@member_view
def deal_contact_unlink(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    actor: Member = request.actor  # type: ignore[attr-defined]
    kind = KINDS["deals"]
    deal = fetch_record(actor, kind, pk)
    if contact_id > MAX_ID:
        raise NotFound(str(_("contact")))
    form = VersionForm(request.POST)
    result = _run(request, kind, deal, form, "error_form", lambda: services.deal_contact_unlink(actor=actor, deal=deal, contact_id=contact_id))
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, _("The contact was removed from the deal."))
    return redirect(detail_url(deal))


DELETE = {
    "accounts": lambda actor, obj, v: services.account_delete(actor=actor, account=obj, expected_version=v),
    "contacts": lambda actor, obj, v: services.contact_delete(actor=actor, contact=obj, expected_version=v),
    "leads": lambda actor, obj, v: services.lead_delete(actor=actor, lead=obj, expected_version=v),
    "deals": lambda actor, obj, v: services.deal_delete(actor=actor, deal=obj, expected_version=v),
    "activities": lambda actor, obj, v: services.activity_delete(actor=actor, activity=obj, expected_version=v),
}


@require_POST
@member_view
def record_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    obj = fetch_record(actor, kind, pk)
    form = VersionForm(request.POST)
    version = _version(form)
    name = str(obj)
    result = _run(request, kind, obj, form, "error_form", lambda: DELETE[slug](actor, obj, version))
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
    return redirect(f"/{slug}/")
