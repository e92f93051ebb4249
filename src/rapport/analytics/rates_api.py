"""Exchange rates over the API at /api/v1/exchange-rates (SPEC Q10, P6).

Every member reads the rates (they explain the dashboard's sums); administrators set and delete
them. Setting the rate of a currency for a day that has one already changes that rate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from ninja import FilterSchema, Query, Router, Schema
from pydantic import Field

from rapport.api import schemas as s
from rapport.api.crud import actor_of
from rapport.core.errors import NotFound
from rapport.workspaces.models import ExchangeRate, Member
from rapport.workspaces.permissions import MAX_ID, visible_to
from rapport.workspaces.rates import exchange_rate_delete, exchange_rate_set

router = Router(tags=["exchange rates"])

Rate = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=8)]


class RateIn(s.In):
    currency: s.Currency
    rate: Rate = Field(description="Units of the base currency one unit of `currency` is worth.")
    valid_from: dt.date


class RateOut(Schema):
    id: int
    currency: str
    rate: Decimal
    valid_from: dt.date
    base_currency: str

    @staticmethod
    def resolve_base_currency(obj) -> str:
        return obj.workspace.base_currency


class RateFilter(FilterSchema):
    currency: s.Currency | None = None


def _get(actor: Member, pk: int) -> ExchangeRate:
    if not 0 < pk <= MAX_ID:
        raise NotFound("exchange rate not found")
    rate = visible_to(actor, ExchangeRate).filter(pk=pk).first()
    if rate is None:
        raise NotFound("exchange rate not found")
    return rate


@router.get("", response=list[RateOut], operation_id="exchange_rate_list", summary="List exchange rates")
def rate_list(request: HttpRequest, filters: Query[RateFilter]):
    qs = visible_to(actor_of(request), ExchangeRate).select_related("workspace")
    return list(filters.filter(qs).order_by("currency", "-valid_from")[:2000])


@router.post("", response={200: RateOut, 201: RateOut}, operation_id="exchange_rate_set", summary="Set an exchange rate")
def rate_set(request: HttpRequest, payload: RateIn):
    """Create the rate of `currency` from `valid_from` (201), or change that day's rate (200)."""
    actor = actor_of(request)
    rate, created = exchange_rate_set(actor=actor, currency=payload.currency, rate=payload.rate, valid_from=payload.valid_from)
    return (201 if created else 200), _get(actor, rate.pk)


@router.get("/{int:rate_id}", response=RateOut, operation_id="exchange_rate_get")
def rate_get(request: HttpRequest, rate_id: int):
    return _get(actor_of(request), rate_id)


@router.delete("/{int:rate_id}", response={204: None}, operation_id="exchange_rate_delete")
def rate_delete(request: HttpRequest, rate_id: int):
    actor = actor_of(request)
    exchange_rate_delete(actor=actor, rate=_get(actor, rate_id))
    return 204, None
