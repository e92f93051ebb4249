"""The deals board (SPEC R5, R8): one column per stage of a pipeline, cards loaded per column.

Column counts and sums come from one aggregate query, cards from keyset pages of 30, so a stage
holding 10,000 deals costs what a stage of ten costs. Moves, wins and losses call the same
services as the API; refusals answer problem+json that board.js shows before putting the card
back.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_currency
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, to_locale
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError as PydanticValidationError

from rapport.api.errors import django_errors
from rapport.api.paging import paginate
from rapport.core import clock
from rapport.core.errors import NotFound, ServiceError
from rapport.records import services
from rapport.records.filters import DealFilter
from rapport.records.models import Account, Deal, DealStatus, Pipeline, Stage
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import MAX_ID, get_visible, visible_to
from rapport.workspaces.rates import rate_book

PAGE_SIZE = 30
# The board itself decides pipeline, stage and status; every other list filter applies as is.
BOARD_FILTERS = tuple(name for name in DealFilter.model_fields if name not in ("pipeline", "stage", "status"))
MAX_REFRESH_IDS = 200
PROBLEM_TITLES = {403: _("Permission denied"), 404: _("Not found"), 409: _("Conflict"), 412: _("Changed elsewhere"), 422: _("Invalid input")}


@dataclass
class Board:
    """What one request of the board is about: the member, pipeline, stages and filters."""

    member: Member
    pipeline: Pipeline | None
    stages: list[Stage]
    filters: DealFilter
    mine: bool
    params: dict[str, str]
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def query(self) -> str:
        """The board's query string, carried by every request the page makes."""
        return urlencode(self.params)

    def deals(self):
        qs = visible_to(self.member, Deal).filter(pipeline=self.pipeline, status=DealStatus.OPEN)
        if self.mine:
            qs = qs.filter(owner=self.member)
        return self.filters.filter(qs)


def _filter_errors(exc: PydanticValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e["loc"]) or "filters", "message": e["msg"]} for e in exc.errors()]


def load_board(request: HttpRequest) -> Board:
    """Read the pipeline and filters from the query string (404 for a pipeline not visible)."""
    member = request.member
    pipelines = visible_to(member, Pipeline)
    raw_pipeline = request.GET.get("pipeline", "")
    if raw_pipeline:
        pipeline = get_visible(member, Pipeline, raw_pipeline) if raw_pipeline.isdigit() else None
        if pipeline is None:
            raise NotFound("pipeline not found")
    else:
        pipeline = pipelines.filter(is_active=True).order_by("position", "id").first() or pipelines.order_by("position", "id").first()
    stages = list(Stage.objects.filter(workspace_id=member.workspace_id, pipeline=pipeline).order_by("position", "id")) if pipeline else []
    given = {name: request.GET[name] for name in BOARD_FILTERS if request.GET.get(name, "") != ""}
    errors: list[dict[str, str]] = []
    try:
        filters = DealFilter.model_validate(given)
    except PydanticValidationError as exc:
        errors = _filter_errors(exc)
        filters, given = DealFilter(), {}
    mine = request.GET.get("mine") in ("1", "true", "on")
    params = {"pipeline": str(pipeline.pk)} if pipeline else {}
    params.update(given)
    if mine:
        params["mine"] = "1"
    return Board(member=member, pipeline=pipeline, stages=stages, filters=filters, mine=mine, params=params, errors=errors)


def _rates(member: Member, currencies: Iterable[str]) -> dict[str, Decimal]:
    """Each currency's rate to the workspace's base currency today (the base currency's is 1)."""
    base = member.workspace.base_currency
    foreign = {c for c in currencies if c != base}
    if not foreign:  # no rate to read
        return {base: Decimal(1)}
    today = timezone.localtime(clock.now(), zoneinfo.ZoneInfo(member.workspace.time_zone)).date()
    book = rate_book(member.workspace)
    return {currency: rate for currency in {*foreign, base} if (rate := book.rate(currency, today)) is not None}


def money(amount: Decimal, currency: str) -> str:
    try:
        return format_currency(amount, currency, locale=to_locale(get_language() or "en"))
    except Exception:  # an unknown code or locale must not break the page
        return f"{amount:,.2f} {currency}"


@dataclass
class ColumnSummary:
    count: int = 0
    total: Decimal = Decimal(0)
    # Amounts in currencies without an exchange rate cannot join the sum; they are listed beside it.
    unconverted: dict[str, Decimal] = field(default_factory=dict)


def column_summaries(board: Board) -> dict[int, ColumnSummary]:
    """Deal count and amount sum (in the base currency) per stage: one aggregate query."""
    summaries = {stage.pk: ColumnSummary() for stage in board.stages}
    if board.pipeline is None:
        return summaries
    rows = list(board.deals().order_by().values("stage_id", "currency").annotate(n=Count("*"), total=Sum("amount")))
    rates = _rates(board.member, {row["currency"] for row in rows})
    for row in rows:
        summary = summaries.setdefault(row["stage_id"], ColumnSummary())
        summary.count += row["n"]
        rate = rates.get(row["currency"])
        if rate is None:
            summary.unconverted[row["currency"]] = summary.unconverted.get(row["currency"], Decimal(0)) + (row["total"] or 0)
        else:
            summary.total += (row["total"] or Decimal(0)) * rate
    return summaries


def _summary_context(board: Board, summary: ColumnSummary) -> dict[str, Any]:
    base = board.member.workspace.base_currency
    return {
        "count": summary.count,
        "total": money(summary.total.quantize(Decimal("0.01")), base),
        "unconverted": [money(amount, currency) for currency, amount in sorted(summary.unconverted.items())],
    }


@dataclass
class Card:
    deal: Deal
    account_name: str | None
    account_visible: bool
    owner_name: str
    amount: str
    days_in_stage: int


def make_cards(member: Member, deals: list[Deal]) -> list[Card]:
    """Card data for a page of deals; an account the member may not see shows no name."""
    account_ids = {d.account_id for d in deals if d.account_id}
    visible_accounts = set(visible_to(member, Account).filter(pk__in=account_ids).values_list("id", flat=True)) if account_ids else set()
    now = clock.now()
    cards = []
    for deal in deals:
        shown = deal.account_id in visible_accounts
        cards.append(
            Card(
                deal=deal,
                account_name=deal.account.name if shown else None,
                account_visible=shown,
                owner_name=deal.owner.display_name if deal.owner_id else "",
                amount=money(deal.amount, deal.currency),
                days_in_stage=max(0, (now - deal.stage_changed_at).days),
            )
        )
    return cards


def _with_relations(qs):
    return qs.select_related("owner__user", "account")


class CardMarkup:
    """Cards' markup, built in Python: a column shows thirty of them, and the template language's
    per-node cost made the cards a quarter of the column's answer. What every card of a board
    shares (the stage options, the labels) is made once per request; values are escaped here."""

    def __init__(self, stages: list[Stage]) -> None:
        tail = f'<option value="won">{escape(gettext("Won"))}</option><option value="lost">{escape(gettext("Lost"))}</option>'
        self.options = {
            current.pk: "".join(
                f'<option value="{s.pk}"{" selected" if s.pk == current.pk else ""}>{escape(s.name)}</option>' for s in stages
            ) + tail
            for current in stages
        }
        self.tail = tail
        self.move = escape(gettext("Move"))

    def __call__(self, card: Card) -> SafeString:
        deal = card.deal
        pk, name = deal.pk, escape(deal.name)
        account = (
            f'<p class="deal-card-account"><a href="/accounts/{deal.account_id}/">{escape(card.account_name or "")}</a></p>'
            if card.account_visible else ""
        )
        owner = f' · <span class="deal-card-owner">{escape(card.owner_name)}</span>' if card.owner_name else ""
        days = ngettext("%(counter)s day in stage", "%(counter)s days in stage", card.days_in_stage) % {"counter": card.days_in_stage}
        move_label = gettext("Move “%(name)s” to") % {"name": name}
        return mark_safe(
            f'<article class="deal-card" id="deal-{pk}" data-deal-id="{pk}" data-version="{deal.version}" data-stage-id="{deal.stage_id}" '
            f'data-name="{name}" aria-labelledby="deal-{pk}-name">'
            f'<h3 class="deal-card-name"><a id="deal-{pk}-name" href="/deals/{pk}/">{name}</a></h3>{account}'
            f'<p class="deal-card-meta"><span class="deal-card-amount">{escape(card.amount)}</span>{owner}</p>'
            f'<p class="deal-card-days muted">{escape(days)}</p>'
            f'<form class="card-move" data-deal-id="{pk}">'
            f'<label class="visually-hidden" for="move-{pk}">{move_label}</label>'
            f'<select id="move-{pk}" name="destination">{self.options.get(deal.stage_id, self.tail)}</select>'
            f'<button type="submit" class="secondary small">{self.move}</button></form></article>'
        )


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    try:
        current = load_board(request)
    except NotFound:
        raise Http404("No such pipeline.") from None
    summaries = column_summaries(current)
    columns = [{"stage": stage, **_summary_context(current, summaries[stage.pk])} for stage in current.stages]
    members = visible_to(current.member, Member).filter(is_active=True).select_related("user").order_by("user__first_name", "user__last_name", "id")
    context = {
        "section": "board",
        "board": current,
        "columns": columns,
        "pipelines": visible_to(current.member, Pipeline).order_by("position", "id"),
        "members": members,
        "owner_filter": current.params.get("owner", ""),
        "search": current.params.get("q", ""),
    }
    return render(request, "web/board/board.html", context, status=400 if current.errors else 200)


@require_GET
def column_cards(request: HttpRequest, stage_id: int) -> HttpResponse:
    """One page of a column's cards (htmx), newest change first, with the next "load more"."""
    try:
        current = load_board(request)
    except NotFound:
        raise Http404("No such pipeline.") from None
    stage = next((s for s in current.stages if s.pk == stage_id), None)
    if stage is None or current.errors:
        raise Http404("No such stage on this board.")
    try:
        rows, page = paginate(
            _with_relations(current.deals().filter(stage=stage)),
            ordering="-updated_at",
            allowed=("updated_at",),
            default="-updated_at",
            limit=PAGE_SIZE,
            cursor=request.GET.get("cursor") or None,
        )
    except ValidationError as exc:
        return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain")
    more_url = None
    if page["next_cursor"]:
        more_url = reverse("board-column", args=[stage.pk]) + "?" + urlencode({**current.params, "cursor": page["next_cursor"]})
    markup = CardMarkup(current.stages)
    cards = [markup(card) for card in make_cards(current.member, rows)]
    context = {"board": current, "stage": stage, "cards": cards, "more_url": more_url}
    return render(request, "web/board/cards.html", context)


def _refresh_payload(request: HttpRequest, board: Board, deal_ids: Iterable[int]) -> dict[str, Any]:
    """Fresh column headers and, for each deal asked about, its card (None: not on this board)."""
    summaries = column_summaries(board)
    columns = {
        str(stage.pk): render_to_string("web/board/column_stats.html", _summary_context(board, summaries[stage.pk]), request=request)
        for stage in board.stages
    }
    ids = list(deal_ids)
    cards: dict[str, Any] = {str(i): None for i in ids}
    if ids and board.pipeline is not None:
        deals = list(_with_relations(board.deals().filter(pk__in=ids)))
        markup = CardMarkup(board.stages)
        for card in make_cards(board.member, deals):
            cards[str(card.deal.pk)] = {"stage": card.deal.stage_id, "version": card.deal.version, "html": markup(card)}
    return {"columns": columns, "cards": cards}


def _parse_ids(raw: str) -> list[int]:
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) <= MAX_ID:
            raise ValidationError({"ids": gettext("Give deal ids as numbers separated by commas.")})
        ids.append(int(part))
    if len(ids) > MAX_REFRESH_IDS:
        raise ValidationError({"ids": ngettext("Ask for at most %(n)d deal at a time.", "Ask for at most %(n)d deals at a time.", MAX_REFRESH_IDS) % {"n": MAX_REFRESH_IDS}})
    return ids


def problem(status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None) -> JsonResponse:
    body = {
        "type": f"urn:rapport:problem:{code}",
        "title": str(PROBLEM_TITLES.get(status, _("Error"))),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    return JsonResponse(body, status=status, content_type="application/problem+json")


@require_GET
def refresh(request: HttpRequest) -> HttpResponse:
    """What board.js needs after hearing of changes: column headers and the changed cards."""
    try:
        current = load_board(request)
        ids = _parse_ids(request.GET.get("ids", ""))
    except NotFound:
        return problem(404, "not-found", str(_("No such pipeline.")))
    except ValidationError as exc:
        return problem(422, "validation", str(_("The request has invalid fields.")), django_errors(exc))
    if current.errors:
        return problem(422, "validation", str(_("The request has invalid fields.")), current.errors)
    return JsonResponse(_refresh_payload(request, current, ids))


def _expected_version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_ID:
        raise ValidationError({"version": gettext("Give the version as a whole number.")})
    return int(raw)


def _act(request: HttpRequest, deal_id: int, action) -> HttpResponse:
    """Run one board action on a deal and answer as board.js (JSON) or a plain form expects."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        current = load_board(request)
        deal = get_visible(current.member, Deal, deal_id)
        action(current.member, deal, _expected_version(request))
    except ValidationError as exc:
        errors = django_errors(exc)
        if not wants_json:
            for error in errors:
                messages.error(request, error["message"])
            return redirect(_board_url(request))
        return problem(422, "validation", errors[0]["message"] if errors else str(_("The request has invalid fields.")), errors)
    except ServiceError as exc:
        if not wants_json:
            if exc.status == 404:
                raise Http404(exc.detail) from None
            messages.error(request, exc.detail)
            return redirect(_board_url(request))
        return problem(exc.status, exc.code, exc.detail)
    if not wants_json:
        return redirect(_board_url(request))
    return JsonResponse(_refresh_payload(request, current, [deal.pk]))


def _board_url(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return reverse("board") + (f"?{query}" if query else "")


def _stage_id(request: HttpRequest) -> int:
    stage = request.POST.get("stage", "").strip()
    if not stage.isdigit() or not 0 < int(stage) <= MAX_ID:
        raise ValidationError({"stage": gettext("Choose the stage to move the deal to.")})
    return int(stage)


@require_POST
def deal_move(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Drop a card on another stage: records.services.deal_move, as the API's move."""
    return _act(
        request,
        deal_id,
        lambda actor, deal, version: services.deal_move(actor=actor, deal=deal, stage=_stage_id(request), expected_version=version),
    )


@require_POST
def deal_won(request: HttpRequest, deal_id: int) -> HttpResponse:
    return _act(request, deal_id, lambda actor, deal, version: services.deal_mark_won(actor=actor, deal=deal, expected_version=version))


@require_POST
def deal_lost(request: HttpRequest, deal_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(request, deal_id, lambda actor, deal, version: services.deal_mark_lost(actor=actor, deal=deal, reason=reason, expected_version=version))
