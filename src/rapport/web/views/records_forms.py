"""Create and edit pages of records: the same services and data shape as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from rapport.core.errors import Conflict, StaleVersion
from rapport.records import services
from rapport.workspaces.models import Action, Member

from ..forms_records import create_initial, initial_for, record_form_class
from .records_common import KINDS, RecordKind, detail_url, member_view, require_page
from .records_detail import fetch_record

STALE_MESSAGE = _(
    "This record was changed by someone else since you opened it, so your changes were not saved. "
    "Reload the page to see the current version, then make your changes again."
)


def _create(kind: RecordKind) -> Callable[[Member, dict[str, Any]], models.Model]:
    record_type = kind.record_type
    if record_type == "account":
        return lambda actor, data: services.account_create(actor=actor, data=data)
    if record_type == "contact":
        return lambda actor, data: services.contact_create(actor=actor, data=data)
    if record_type == "lead":
        return lambda actor, data: services.lead_create(actor=actor, data=data)
    if record_type == "deal":
        return lambda actor, data: services.deal_create(actor=actor, data=data)
    return lambda actor, data: services.activity_create(actor=actor, data=data)


def _update(kind: RecordKind) -> Callable[..., models.Model]:
    service = {
        "account": services.account_update,
        "contact": services.contact_update,
        "lead": services.lead_update,
        "deal": services.deal_update,
        "activity": services.activity_update,
    }[kind.record_type]
    return lambda actor, obj, data, version: service(actor=actor, data=data, expected_version=version, **{kind.record_type: obj})


def _render(request: HttpRequest, kind: RecordKind, form: Any, obj: Any, status: int) -> HttpResponse:
    context = {"kind": kind, "section": kind.slug, "form": form, "obj": obj, "stale": getattr(form, "stale", False)}
    return render(request, "web/records/form.html", context, status=status)


def _save(request: HttpRequest, form: Any, write: Callable[[], models.Model]) -> models.Model | None:
    """Call the service; its refusals become errors on the form (nothing was written)."""
    try:
        return write()
    except ValidationError as exc:
        form.add_service_errors(exc)
    except StaleVersion:
        form.stale = True
        form.add_error(None, STALE_MESSAGE)
    except Conflict as exc:
        form.add_error(None, exc.detail)
    return None


@member_view
def record_create(request: HttpRequest, slug: str) -> HttpResponse:
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    require_page(actor, Action.ADD, kind.model)
    form_class = record_form_class(actor, kind.record_type)
    if request.method != "POST":
        return _render(request, kind, form_class(initial=create_initial(actor, kind.record_type, request.GET)), None, 200)
    form = form_class(request.POST)
    if form.is_valid():
        obj = _save(request, form, lambda: _create(kind)(actor, form.service_data(changed_only=False)))
        if obj is not None:
            return redirect(detail_url(obj))
    return _render(request, kind, form, None, 422)


@member_view
def record_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = KINDS[slug]
    actor: Member = request.actor  # type: ignore[attr-defined]
    obj = fetch_record(actor, kind, pk)
    require_page(actor, Action.EDIT, obj)
    form_class = record_form_class(actor, kind.record_type, obj)
    initial = initial_for(form_class, obj)
    if request.method != "POST":
        return _render(request, kind, form_class(initial=initial), obj, 200)
    form = form_class(request.POST, initial=initial)
    if form.is_valid():
        version = form.cleaned_data.get("version")
        saved = _save(request, form, lambda: _update(kind)(actor, obj, form.service_data(changed_only=True), version))
        if saved is not None:
            return redirect(detail_url(saved))
    return _render(request, kind, form, obj, 412 if getattr(form, "stale", False) else 422)
