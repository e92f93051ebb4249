"""Custom field values: every field type valid and invalid, required fields, per record type (SPEC R7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.events.models import EventType
from rapport.records import services

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .helpers import events_of, reload, unchanged

FACTORIES = {"account": AccountFactory, "contact": ContactFactory, "lead": LeadFactory, "deal": DealFactory, "activity": ActivityFactory}
UPDATES = {
    "account": lambda actor, obj, data: services.account_update(actor=actor, account=obj, data=data),
    "contact": lambda actor, obj, data: services.contact_update(actor=actor, contact=obj, data=data),
    "lead": lambda actor, obj, data: services.lead_update(actor=actor, lead=obj, data=data),
    "deal": lambda actor, obj, data: services.deal_update(actor=actor, deal=obj, data=data),
    "activity": lambda actor, obj, data: services.activity_update(actor=actor, activity=obj, data=data),
}

# (field type, value given, value stored); {member} stands for a member id of the workspace.
VALID = [
    ("text", "Hello, world", "Hello, world"),
    ("text", "x" * 2000, "x" * 2000),
    ("number", 12, "12"),
    ("number", "12.5", "12.5"),
    ("number", 3.25, "3.25"),
    ("number", "-7", "-7"),
    ("money", "10", "10.00"),
    ("money", 19.999, "20.00"),
    ("date", "2025-02-28", "2025-02-28"),
    ("choice", "SMB", "SMB"),
    ("multi_choice", ["SMB", "Enterprise", "SMB"], ["SMB", "Enterprise"]),
    ("user", "{member}", "{member}"),
    ("link", "https://example.test/path?q=1", "https://example.test/path?q=1"),
    ("boolean", True, True),
    ("boolean", False, False),
]

INVALID = [
    ("text", 5),
    ("text", "x" * 2001),
    ("text", ["a"]),
    ("number", "twelve"),
    ("number", True),
    ("number", "NaN"),
    ("number", "Infinity"),
    ("number", [1]),
    ("number", {"a": 1}),
    ("money", "1e30"),
    ("money", "ten"),
    ("date", "2025-02-30"),
    ("date", "tomorrow"),
    ("date", True),
    ("choice", "Huge"),
    ("choice", ["SMB"]),
    ("choice", 1),
    ("multi_choice", "SMB"),
    ("multi_choice", ["SMB", "Huge"]),
    ("user", "abc"),
    ("user", 10**9),
    ("user", 2**70),
    ("user", True),
    ("user", 1.5),
    ("user", "{outsider}"),
    ("link", "javascript:alert(1)"),
    ("link", "not a url"),
    ("link", 5),
    ("boolean", "yes"),
    ("boolean", 1),
]


def define(admin, record_type: str, field_type: str, key: str = "extra", **more):
    data = {"record_type": record_type, "key": key, "label": key.title(), "field_type": field_type, **more}
    if field_type in ("choice", "multi_choice"):
        data.setdefault("choices", ["SMB", "Enterprise"])
    return services.custom_field_create(actor=admin, data=data)


def fill(value, seller, outsider):
    """Put real member ids where the tables above say {member} / {outsider}."""
    return {"{member}": seller.pk, "{outsider}": outsider.pk}.get(value, value) if isinstance(value, str) else value


@pytest.mark.parametrize(("field_type", "given", "stored"), VALID)
def test_valid_values_are_stored_normalised(workspace, admin, seller, outsider, pipeline, field_type, given, stored):
    define(admin, "deal", field_type)
    deal = DealFactory(actor=seller, custom={"extra": fill(given, seller, outsider)})
    assert reload(deal).custom == {"extra": fill(stored, seller, outsider)}
    assert events_of(deal)[0].after["custom"] == {"extra": fill(stored, seller, outsider)}


@pytest.mark.parametrize(("field_type", "given"), INVALID)
def test_invalid_values_are_field_errors_on_create_and_update(workspace, admin, seller, outsider, pipeline, field_type, given):
    define(admin, "deal", field_type)
    value = fill(given, seller, outsider)
    with unchanged(), pytest.raises(ValidationError) as exc:
        DealFactory(actor=seller, custom={"extra": value})
    assert list(exc.value.message_dict) == ["custom.extra"]
    deal = DealFactory(actor=seller)
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.deal_update(actor=seller, deal=deal, data={"custom": {"extra": value}})
    assert list(exc.value.message_dict) == ["custom.extra"]


@pytest.mark.parametrize("record_type", list(FACTORIES))
def test_each_record_type_has_its_own_fields(workspace, admin, seller, pipeline, record_type):
    define(admin, record_type, "text", key="note")
    record = FACTORIES[record_type](actor=seller, custom={"note": "kept"})
    assert reload(record).custom == {"note": "kept"}
    others = [t for t in FACTORIES if t != record_type]
    with unchanged(), pytest.raises(ValidationError) as exc:
        FACTORIES[others[0]](actor=seller, custom={"note": "lost"})
    assert "custom.note" in exc.value.message_dict


@pytest.mark.parametrize("record_type", list(FACTORIES))
def test_required_field(workspace, admin, seller, pipeline, record_type):
    define(admin, record_type, "text", key="region", required=True)
    with unchanged(), pytest.raises(ValidationError) as exc:
        FACTORIES[record_type](actor=seller)
    assert "custom.region" in exc.value.message_dict
    record = FACTORIES[record_type](actor=seller, custom={"region": "North"})
    for emptied in (None, ""):
        with unchanged(), pytest.raises(ValidationError) as exc:
            UPDATES[record_type](seller, record, {"custom": {"region": emptied}})
        assert "custom.region" in exc.value.message_dict


def test_a_field_made_required_later_does_not_block_other_edits(workspace, admin, seller):
    account = AccountFactory(actor=seller)
    define(admin, "account", "text", key="region", required=True)
    services.account_update(actor=seller, account=account, data={"city": "Vigo"})
    assert reload(account).city == "Vigo"
    with unchanged(), pytest.raises(ValidationError):
        services.account_update(actor=seller, account=reload(account), data={"custom": {"region": None}})


def test_update_logs_each_custom_value_and_null_removes_it(workspace, admin, seller):
    define(admin, "account", "text", key="region")
    define(admin, "account", "money", key="revenue")
    account = AccountFactory(actor=seller, custom={"region": "North"})
    services.account_update(actor=seller, account=account, data={"custom": {"region": None, "revenue": "1000"}})
    account = reload(account)
    assert account.custom == {"revenue": "1000.00"}
    assert account.version == 2
    changes = {e.field: (e.before, e.after) for e in events_of(account, EventType.FIELD_CHANGED)}
    assert changes == {"custom.region": ("North", None), "custom.revenue": (None, "1000.00")}


def test_unchanged_custom_values_write_nothing(workspace, admin, seller):
    define(admin, "account", "number", key="size")
    account = AccountFactory(actor=seller, custom={"size": 5})
    with unchanged():
        services.account_update(actor=seller, account=account, data={"custom": {"size": "5"}})


def test_values_of_a_deleted_definition_stay_but_cannot_be_set(workspace, admin, seller):
    field = define(admin, "account", "text", key="legacy")
    account = AccountFactory(actor=seller, custom={"legacy": "old"})
    services.custom_field_delete(actor=admin, definition=field)
    assert reload(account).custom == {"legacy": "old"}
    with unchanged(), pytest.raises(ValidationError) as exc:
        services.account_update(actor=seller, account=reload(account), data={"custom": {"legacy": "new"}})
    assert "custom.legacy" in exc.value.message_dict


def test_another_workspaces_definitions_do_not_apply(workspace, seller, outsider):
    define(outsider, "account", "text", key="region")
    with unchanged(), pytest.raises(ValidationError) as exc:
        AccountFactory(actor=seller, custom={"region": "North"})
    assert "custom.region" in exc.value.message_dict


def test_several_bad_values_are_reported_together(workspace, admin, seller):
    define(admin, "contact", "number", key="score")
    define(admin, "contact", "date", key="birthday")
    with unchanged(), pytest.raises(ValidationError) as exc:
        ContactFactory(actor=seller, custom={"score": "high", "birthday": "soon", "nope": 1})
    assert set(exc.value.message_dict) == {"custom.score", "custom.birthday", "custom.nope"}


def test_money_keeps_cents_exactly(workspace, admin, seller, pipeline):
    define(admin, "deal", "money", key="fee")
    deal = DealFactory(actor=seller, custom={"fee": "0.1"})
    assert Decimal(reload(deal).custom["fee"]) == Decimal("0.10")
