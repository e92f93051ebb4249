"""Bulk actions of the list pages (set owner / status / tag, move deals, delete): all or nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rapport.records import services
from rapport.records.services.bulk import BulkResult
from rapport.workspaces.models import Member

from ..forms_lists import BulkForm
from .records_common import KINDS, RecordKind, member_view
from .records_lists import render_list_page


def _next_url(request: HttpRequest, kind: RecordKind, value: str) -> str:
    if value and value.startswith(f"/{kind.slug}/") and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return f"/{kind.slug}/"


def _apply(actor: Member, kind: RecordKind, data: dict) -> BulkResult:
    model, ids, action = kind.model, data["ids"], data["action"]
    if action == "owner":
        return services.bulk_set_owner(actor=actor, model=model, ids=ids, owner=data.get("owner"))
    if action == "status":
        if not data.get("status"):
            raise ValidationError({"status": _("Choose the status to set.")})
        return services.bulk_set_status(actor=actor, model=model, ids=ids, status=data["status"], reason=data.get("reason") or "")
    if action in ("tag_add", "tag_remove"):
        if not data.get("tag"):
            raise ValidationError({"tag": _("Choose a tag.")})
        return services.bulk_tag(actor=actor, model=model, ids=ids, tag=data["tag"], add=action == "tag_add")
    if action == "move":
        if not data.get("stage"):
            raise ValidationError({"stage": _("Choose the stage to move the deals to.")})
        return services.bulk_move(actor=actor, ids=ids, stage=data["stage"])
    return services.bulk_delete(actor=actor, model=model, ids=ids)


def _errors(form: BulkForm) -> str:
    return " ".join(str(message) for messages_ in form.errors.values() for message in messages_)


@require_POST
@member_view
def record_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """Apply one change to the chosen rows; on any refusal nothing changes and the list says why."""
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    form = BulkForm(request.POST, actor=actor, record_type=kind.record_type)
    next_url = _next_url(request, kind, request.POST.get("next", ""))
    status = 422
    if form.is_valid():
        try:
            result = _apply(actor, kind, form.cleaned_data)
        except services.BulkRefused as exc:
            messages.error(request, exc.detail)
            status = 409
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms) if hasattr(exc, "error_dict") else " ".join(exc.messages))
        else:
            messages.success(
                request,
                ngettext("%(n)d record changed.", "%(n)d records changed.", result.changed) % {"n": result.changed}
                + (" " + str(_("%(n)d already as asked.") % {"n": result.unchanged}) if result.unchanged else ""),
            )
            return redirect(next_url)
    else:
        messages.error(request, _errors(form))
    # Answer the list the member was on, with the message and the rows as they still are.
    request.GET = QueryDict(next_url.partition("?")[2])
    return render_list_page(request, kind, status=status)
