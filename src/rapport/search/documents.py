"""What each record type contributes to search: its title, its searchable fields, its page.

One definition feeds both backends (the SQLite triggers that fill the FTS5 tables and the
PostgreSQL expression indexes) and the Python side that ranks hits and builds snippets, so the
text a hit is found by is the text its snippet is cut from.

Changing a type's fields takes effect on the next `migrate`: after every migrate both backends
compare what the database holds with these definitions (SQLite: the trigger and table
statements; PostgreSQL: a fingerprint in each index's comment) and rebuild what differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.records.models import Account, Activity, Contact, Deal, Lead


@dataclass(frozen=True)
class Document:
    """The searchable text of one record type."""

    type: str  # the record type, as in RECORD_TYPE and the API's `types` parameter
    model: type[models.Model]
    label: Promise  # the group heading on the results page
    title_fields: tuple[str, ...]  # joined with spaces: what a hit is called
    body_fields: tuple[str, ...]  # everything else a record is found by, in snippet order
    json_fields: frozenset[str]  # JSON lists (e-mails, phones) indexed as their JSON text
    url_prefix: str  # the detail page is f"{url_prefix}{id}/"

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def fields(self) -> tuple[str, ...]:
        return self.title_fields + self.body_fields

    def url(self, pk: int) -> str:
        return f"{self.url_prefix}{pk}/"

    def title_of(self, row: Any) -> str:
        return " ".join(str(getattr(row, f) or "") for f in self.title_fields).strip()

    def labelled_body(self, row: Any) -> list[tuple[str, str]]:
        """(field label, text) for each non-empty body field of `row`, lists joined by commas."""
        result = []
        for name in self.body_fields:
            value = getattr(row, name)
            text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")
            if text.strip():
                result.append((str(self.model._meta.get_field(name).verbose_name), text))
        return result

    def column_sql(self, name: str, quote: Callable[[str], str], prefix: str = "") -> str:
        """One field as text SQL, never NULL (a NULL would blank the whole concatenation)."""
        column = f"{prefix}{quote(self.model._meta.get_field(name).column)}"
        if name in self.json_fields:
            column = f"CAST({column} AS text)"
        return f"COALESCE({column}, '')"

    def concat_sql(self, names: tuple[str, ...], quote: Callable[[str], str], prefix: str = "") -> str:
        return " || ' ' || ".join(self.column_sql(n, quote, prefix) for n in names)


DOCUMENTS: dict[str, Document] = {
    doc.type: doc
    for doc in (
        Document(
            type="account",
            model=Account,
            label=_("Accounts"),
            title_fields=("name",),
            body_fields=(
                "organisation", "first_name", "last_name", "emails", "phones", "city", "website",
                "industry", "vat_number", "registration_number", "comment",
            ),
            json_fields=frozenset({"emails", "phones"}),
            url_prefix="/accounts/",
        ),
        Document(
            type="contact",
            model=Contact,
            label=_("Contacts"),
            title_fields=("first_name", "last_name"),
            body_fields=("job_title", "emails", "phones", "contact_type"),
            json_fields=frozenset({"emails", "phones"}),
            url_prefix="/contacts/",
        ),
        Document(
            type="lead",
            model=Lead,
            label=_("Leads"),
            title_fields=("title",),
            body_fields=("company", "first_name", "last_name", "email", "phone", "description"),
            json_fields=frozenset(),
            url_prefix="/leads/",
        ),
        Document(
            type="deal",
            model=Deal,
            label=_("Deals"),
            title_fields=("name",),
            body_fields=("source", "lost_reason"),
            json_fields=frozenset(),
            url_prefix="/deals/",
        ),
        Document(
            type="activity",
            model=Activity,
            label=_("Activities"),
            title_fields=("subject",),
            body_fields=("body", "category"),
            json_fields=frozenset(),
            url_prefix="/activities/",
        ),
    )
}

TYPES: tuple[str, ...] = tuple(DOCUMENTS)
