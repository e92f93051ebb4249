"""Exchange rates (SPEC Q10): the services, converting, and /api/v1/exchange-rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.core.errors import PermissionDenied
from rapport.events.models import Event, EventType
from rapport.workspaces.models import ExchangeRate
from rapport.workspaces.rates import MissingRate, convert, exchange_rate_delete, exchange_rate_set

from .support import unchanged


def test_set_creates_then_changes_the_days_rate_with_events(admin, workspace):
    rate, created = exchange_rate_set(actor=admin, currency="usd", rate="0.9", valid_from="2025-01-01")
    assert created and rate.currency == "USD" and rate.rate == Decimal("0.9")
    same, created = exchange_rate_set(actor=admin, currency="USD", rate=Decimal("0.85"), valid_from=dt.date(2025, 1, 1))
    assert not created and same.pk == rate.pk and same.rate == Decimal("0.85")
    events = Event.objects.filter(object_type="exchangerate", object_id=rate.pk).order_by("id")
    assert [(e.event_type, e.field) for e in events] == [(EventType.CREATED, ""), (EventType.FIELD_CHANGED, "rate")]
    exchange_rate_delete(actor=admin, rate=same)
    assert not ExchangeRate.objects.exists()
    assert Event.objects.filter(object_type="exchangerate", event_type=EventType.DELETED).count() == 1


def test_only_administrators_set_rates(manager, seller, admin):
    for actor in (manager, seller):
        with unchanged(), pytest.raises(PermissionDenied):
            exchange_rate_set(actor=actor, currency="USD", rate="1.1", valid_from="2025-01-01")
    rate, _ = exchange_rate_set(actor=admin, currency="USD", rate="1.1", valid_from="2025-01-01")
    with unchanged(), pytest.raises(PermissionDenied):
        exchange_rate_delete(actor=manager, rate=rate)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"currency": "EUR"}, "currency"),
        ({"currency": "US"}, "currency"),
        ({"rate": "0"}, "rate"),
        ({"rate": "-1"}, "rate"),
        ({"rate": "1.123456789"}, "rate"),
        ({"rate": "NaN"}, "rate"),
        ({"valid_from": "yesterday"}, "valid_from"),
    ],
)
def test_rate_validation(admin, data, field):
    with unchanged(), pytest.raises(ValidationError) as error:
        exchange_rate_set(actor=admin, **{"currency": "USD", "rate": "1.1", "valid_from": "2025-01-01", **data})
    assert field in error.value.message_dict


def test_convert_uses_the_rate_valid_on_the_day_and_refuses_to_guess(admin, workspace):
    exchange_rate_set(actor=admin, currency="USD", rate="0.9", valid_from="2025-01-01")
    exchange_rate_set(actor=admin, currency="USD", rate="0.8", valid_from="2025-02-01")
    assert convert(workspace, Decimal("100"), "USD", dt.date(2025, 1, 31)) == Decimal("90.00")
    assert convert(workspace, Decimal("100"), "USD", dt.date(2025, 2, 1)) == Decimal("80.00")
    assert convert(workspace, Decimal("100"), "EUR", dt.date(2020, 1, 1)) == Decimal("100.00")
    with pytest.raises(MissingRate):
        convert(workspace, Decimal("100"), "USD", dt.date(2024, 12, 31))
    with pytest.raises(MissingRate):
        convert(workspace, Decimal("100"), "GBP", dt.date(2025, 6, 1))


def test_exchange_rates_api(api_as, admin, seller, outsider):
    api = api_as(admin)
    created = api.post("exchange-rates", {"currency": "USD", "rate": "0.92", "valid_from": "2025-01-01"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["base_currency"] == "EUR" and body["rate"] == "0.92000000"
    assert api.post("exchange-rates", {"currency": "USD", "rate": "0.93", "valid_from": "2025-01-01"}).status_code == 200
    assert api.post("exchange-rates", {"currency": "usd", "rate": "0.93", "valid_from": "2025-01-01"}).status_code == 422
    assert api.post("exchange-rates", {"currency": "EUR", "rate": "1", "valid_from": "2025-01-01"}).status_code == 422
    assert api.post("exchange-rates", {"currency": "USD", "rate": "0", "valid_from": "2025-01-01"}).status_code == 422
    seller_api, outsider_api = api_as(seller), api_as(outsider)
    assert [r["rate"] for r in seller_api.get("exchange-rates").json()] == ["0.93000000"]
    with unchanged():
        assert seller_api.post("exchange-rates", {"currency": "GBP", "rate": "1.2", "valid_from": "2025-01-01"}).status_code == 403
        assert seller_api.delete(f"exchange-rates/{body['id']}").status_code == 403
        assert outsider_api.delete(f"exchange-rates/{body['id']}").status_code == 404
    assert outsider_api.get("exchange-rates").json() == []
    assert api.get("exchange-rates", currency="GBP").json() == []
    assert api.delete(f"exchange-rates/{body['id']}").status_code == 204
