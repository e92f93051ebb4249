"""Exchange rates (SPEC Q10): setting them, converting one amount, and converting many sums.

A rate says how many units of the workspace's base currency one unit of `currency` is worth,
from `valid_from` until the next rate of the same currency. An amount is converted with the rate
valid on the day it refers to (a won deal: the day it was won, in the workspace's time zone).
A missing rate is never taken as 1: `convert` raises `MissingRate`, and `RateBook.rate` answers
None, so figures leave the amount out and count it, and can say what they could not include.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.errors import PermissionDenied, ServiceError
from rapport.events import log
from rapport.events.models import EventType

from .models import ExchangeRate, Member, Workspace

CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_RATE = Decimal("9999999999.99999999")  # what DecimalField(max_digits=18, decimal_places=8) holds


class MissingRate(ServiceError):
    """No exchange rate of the currency is valid on the date asked for."""

    status = 422
    code = "missing-rate"


# --- writes --------------------------------------------------------------------------------------


def _require_admin(actor: Member, workspace_id: int) -> None:
    if actor.workspace_id != workspace_id or not actor.is_active or not actor.is_admin:
        raise PermissionDenied(_("Only an administrator sets exchange rates."))


def _clean(workspace: Workspace, currency: Any, rate: Any, valid_from: Any) -> tuple[str, Decimal, dt.date]:
    errors: dict[str, str] = {}
    currency = currency.strip().upper() if isinstance(currency, str) else ""
    if not CURRENCY.match(currency):
        errors["currency"] = _("Use a three-letter ISO 4217 code such as USD.")
    elif currency == workspace.base_currency:
        errors["currency"] = _("%(code)s is the base currency: its rate is always 1.") % {"code": currency}
    try:
        value = Decimal(str(rate))
        if not value.is_finite() or value <= 0 or value > MAX_RATE or value != value.quantize(Decimal("1e-8")):
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        errors["rate"] = _("Give a positive number with at most 8 decimals.")
        value = Decimal(0)
    if isinstance(valid_from, str):
        try:
            valid_from = dt.date.fromisoformat(valid_from)
        except ValueError:
            valid_from = None
    if not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime):
        errors["valid_from"] = _("Give the first day the rate is valid, as YYYY-MM-DD.")
    if errors:
        raise ValidationError(errors)
    return currency, value, valid_from


@transaction.atomic
def exchange_rate_set(*, actor: Member, currency: Any, rate: Any, valid_from: Any) -> tuple[ExchangeRate, bool]:
    """Set the rate of `currency` from `valid_from` on (administrators only); (row, created)."""
    workspace = actor.workspace
    _require_admin(actor, workspace.pk)
    currency, value, day = _clean(workspace, currency, rate, valid_from)
    existing = ExchangeRate.objects.select_for_update().filter(workspace=workspace, currency=currency, valid_from=day).first()
    if existing is None:
        row = ExchangeRate.objects.create(workspace=workspace, currency=currency, rate=value, valid_from=day)
        log.log(actor, row, EventType.CREATED, after={"currency": currency, "rate": value, "valid_from": day})
        return row, True
    if existing.rate != value:
        before = existing.rate
        existing.rate = value
        existing.save(update_fields=["rate"])
        log.log(actor, existing, EventType.FIELD_CHANGED, field="rate", before=before, after=value)
    return existing, False


@transaction.atomic
def exchange_rate_delete(*, actor: Member, rate: ExchangeRate) -> None:
    _require_admin(actor, rate.workspace_id)
    log.log(actor, rate, EventType.DELETED, before={"currency": rate.currency, "rate": rate.rate, "valid_from": rate.valid_from})
    rate.delete()


# --- one amount ----------------------------------------------------------------------------------


def rate_on(workspace: Workspace, currency: str, on_date: dt.date) -> Decimal | None:
    """The rate of `currency` valid on `on_date` (1 for the base currency), or None."""
    if currency == workspace.base_currency:
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(workspace=workspace, currency=currency, valid_from__lte=on_date)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )


def convert(workspace: Workspace, amount: Decimal, currency: str, on_date: dt.date) -> Decimal:
    """`amount` of `currency` in the workspace's base currency on `on_date`; MissingRate if unknown."""
    rate = rate_on(workspace, currency, on_date)
    if rate is None:
        raise MissingRate(
            _("No exchange rate for %(code)s on %(day)s: add one under exchange rates.") % {"code": currency, "day": on_date.isoformat()}
        )
    return (Decimal(amount) * rate).quantize(Decimal("0.01"))


class RateBook:
    """Every exchange rate of a workspace, read in one query, to convert many sums in Python.

    Figures sum amounts per currency and day in the database and convert each day's sum here:
    one rate lookup per currency and day instead of a correlated subquery per row.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.base = workspace.base_currency
        self._rates: dict[str, tuple[list[dt.date], list[Decimal]]] = {}
        rows = ExchangeRate.objects.filter(workspace=workspace).order_by("currency", "valid_from").values_list("currency", "valid_from", "rate")
        for currency, valid_from, rate in rows:
            days, rates = self._rates.setdefault(currency, ([], []))
            days.append(valid_from)
            rates.append(rate)

    def rate(self, currency: str, on_date: dt.date | None) -> Decimal | None:
        """The rate of `currency` valid on `on_date` (1 for the base currency), or None."""
        if currency == self.base:
            return Decimal(1)
        known = self._rates.get(currency)
        if known is None or on_date is None:
            return None
        days, rates = known
        index = bisect_right(days, on_date)
        return rates[index - 1] if index else None


def rate_book(workspace: Workspace) -> RateBook:
    """The workspace's rates, read once per Workspace instance (that is, once per request)."""
    book = getattr(workspace, "_rate_book", None)
    if book is None:
        book = workspace._rate_book = RateBook(workspace)  # type: ignore[attr-defined]
    return book


def money(value: Any) -> Decimal:
    """A database sum as a Decimal rounded to cents (SQLite hands back floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
