"""Checks for the e-mail and phone lists that accounts and contacts carry."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
MAX_ITEMS = 10


def clean_contact_points(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and tidy `emails` / `phones` lists in `data` (e-mails lower-cased, duplicates dropped)."""
    data = dict(data)
    errors: dict[str, list[str]] = {}
    for key, check in (("emails", _email), ("phones", _phone)):
        if key not in data or data[key] is None:
            continue
        values = data[key]
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            errors[key] = ["Give a list of texts."]
            continue
        if len(values) > MAX_ITEMS:
            errors[key] = [f"At most {MAX_ITEMS}."]
            continue
        cleaned, problems = [], []
        for value in values:
            value = value.strip()
            if not value:
                continue
            try:
                cleaned.append(check(value))
            except ValidationError:
                problems.append(f"{value!r} is not a valid {'e-mail address' if key == 'emails' else 'phone number'}.")
        if problems:
            errors[key] = problems
        data[key] = list(dict.fromkeys(cleaned))
    if errors:
        raise ValidationError(errors)
    return data


def _email(value: str) -> str:
    validate_email(value)
    return value.lower()


def _phone(value: str) -> str:
    if not PHONE.match(value):
        raise ValidationError("invalid phone")
    return value
