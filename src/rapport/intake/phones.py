"""Finding the contact or lead behind a phone number or an e-mail address (calls and chats, SPEC L9).

Stored numbers are free text ("+49 30 1234567", "030/123 45 67"), so the database narrows the
candidates to those whose digits end like the number asked for, and `phonenumbers` decides:
two numbers match when they normalise to the same E.164 form (national numbers are read in
the region given, if any), or, when either cannot be parsed, when their last nine digits agree.
"""

from __future__ import annotations

import re

import phonenumbers
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast, Replace

from rapport.records.models import Contact, Lead
from rapport.workspaces.models import Member
from rapport.workspaces.permissions import visible_to

NON_DIGITS = re.compile(r"\D")
TAIL = 7  # digits the database compares; phonenumbers checks the rest
CANDIDATES = 50


def normalise(number: str, region: str | None = None) -> str | None:
    """E.164 form of `number` ("+4930123456"), or None when it is not a possible number."""
    try:
        parsed = phonenumbers.parse(number, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def digits(number: str) -> str:
    return NON_DIGITS.sub("", number or "")


def same_number(a: str, b: str, region: str | None = None) -> bool:
    ea, eb = normalise(a, region), normalise(b, region)
    if ea and eb:
        return ea == eb
    da, db = digits(a), digits(b)
    return len(da) >= 6 and len(db) >= 6 and da[-9:] == db[-9:]


def _digits_only(expression):
    for char in (" ", "-", ".", "(", ")", "/"):
        expression = Replace(expression, Value(char), Value(""))
    return expression


def _narrow(qs: QuerySet, field: str, number: str) -> QuerySet:
    tail = digits(number)[-TAIL:]
    text = Cast(F(field), CharField()) if field == "phones" else F(field)
    return qs.annotate(_phone_digits=_digits_only(text)).filter(_phone_digits__contains=tail)


def contact_by_phone(actor: Member, number: str, region: str | None = None) -> Contact | None:
    """The most recently created visible contact with this number, or None."""
    if len(digits(number)) < 6:
        return None
    candidates = _narrow(visible_to(actor, Contact), "phones", number).filter(anonymised_at__isnull=True)
    for contact in candidates.order_by("-created_at", "-id")[:CANDIDATES]:
        if any(same_number(stored, number, region) for stored in contact.phones or ()):
            return contact
    return None


def lead_by_phone(actor: Member, number: str, region: str | None = None) -> Lead | None:
    if len(digits(number)) < 6:
        return None
    candidates = _narrow(visible_to(actor, Lead), "phone", number).filter(archived_at__isnull=True)
    for lead in candidates.order_by("-created_at", "-id")[:CANDIDATES]:
        if same_number(lead.phone, number, region):
            return lead
    return None


def contact_by_email(actor: Member, email: str) -> Contact | None:
    email = (email or "").strip().lower()
    if "@" not in email:
        return None
    candidates = visible_to(actor, Contact).annotate(_emails=Cast(F("emails"), CharField())).filter(_emails__icontains=email)
    for contact in candidates.order_by("-created_at", "-id")[:CANDIDATES]:
        if email in {e.lower() for e in contact.emails or ()}:
            return contact
    return None


def lead_by_email(actor: Member, email: str) -> Lead | None:
    email = (email or "").strip().lower()
    if "@" not in email:
        return None
    return visible_to(actor, Lead).filter(email__iexact=email, archived_at__isnull=True).order_by("-created_at", "-id").first()
