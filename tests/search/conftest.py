"""Records to search for: a small, known set in acme, and look-alikes in globex.

Who owns what (see tests/conftest.py for the org chart):

- accounts (every member may see accounts): "Acme Trading" (admin, with e-mail and comment),
  "Globex Partners" (seller), a private "Secret Acme Holdings" created by seller;
- contacts: "Jane Smith" (seller, e-mail jane@acme-trading.test, buyer at Acme);
- leads: "Warehouse scanners" at company "Initech Logistics" (seller2);
- deals: "Acme renewal" (seller), "Acme expansion" (seller2), "Acme audit" (loner);
- activities: a call "Pricing call" whose body mentions the "brochure" (seller).

globex (`outsider`) holds an account "Acme Trading" and a deal "Acme renewal" of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # The shared fixtures create six members; PBKDF2 would spend seconds per test on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Records:
    acme: Any
    globex: Any
    secret: Any
    jane: Any
    scanners: Any
    renewal: Any
    expansion: Any
    audit: Any
    call: Any
    other_acme: Any
    other_renewal: Any


@pytest.fixture
def records(admin, manager, seller, seller2, loner, outsider) -> Records:
    acme = AccountFactory(
        actor=admin, name="Acme Trading", emails=["info@acme-trading.test"], city="Zaragoza", comment="Long-standing customer since 2019."
    )
    return Records(
        acme=acme,
        globex=AccountFactory(actor=seller, name="Globex Partners", organisation="Globex Corporation"),
        secret=AccountFactory(actor=seller, name="Secret Acme Holdings", is_private=True),
        jane=ContactFactory(actor=seller, first_name="Jane", last_name="Smith", job_title="Buyer", emails=["jane@acme-trading.test"], account=acme),
        scanners=LeadFactory(actor=seller2, title="Warehouse scanners", company="Initech Logistics", first_name="Bill", last_name="Lumbergh"),
        renewal=DealFactory(actor=seller, name="Acme renewal"),
        expansion=DealFactory(actor=seller2, name="Acme expansion"),
        audit=DealFactory(actor=loner, name="Acme audit"),
        call=ActivityFactory(actor=seller, kind="call", subject="Pricing call", body="Sent them the brochure and the price list."),
        other_acme=AccountFactory(actor=outsider, name="Acme Trading"),
        other_renewal=DealFactory(actor=outsider, name="Acme renewal"),
    )

