"""The search indexes themselves: SQLite triggers repaired after migrations, PostgreSQL indexes used."""

from __future__ import annotations

import pytest
from django.db import connection

from rapport.search import postgres_index, sqlite_index
from rapport.search.backends import search
from rapport.search.documents import DOCUMENTS
from rapport.search.signals import repair_index
from tests.factories import AccountFactory

from .support import ids

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite index")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL index")


def _sqlite_objects() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'search_fts_%'")
        return dict(cursor.fetchall())


@sqlite_only
def test_every_type_has_its_fts_table_and_three_triggers():
    objects = _sqlite_objects()
    for doc in DOCUMENTS.values():
        table = sqlite_index.fts_table(doc)
        assert "trigram" in objects[table]
        assert {f"{table}_ai", f"{table}_au", f"{table}_ad"} <= set(objects)


@sqlite_only
def test_a_dropped_trigger_is_put_back_and_the_index_refilled_after_migrate(admin):
    # What Django's table rebuild does to an altered table's triggers, in miniature.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER search_fts_account_ai")
    added = AccountFactory(actor=admin, name="Pendleton Imports")
    assert ids(search(admin, "pendleton"), "account") == set()

    repair_index(using="default")

    assert "search_fts_account_ai" in _sqlite_objects()
    assert ids(search(admin, "pendleton"), "account") == {added.pk}
    later = AccountFactory(actor=admin, name="Pendleton Exports")
    assert ids(search(admin, "pendleton"), "account") == {added.pk, later.pk}


@sqlite_only
def test_an_index_built_from_an_old_definition_is_rebuilt():
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER search_fts_deal_au")
        cursor.execute("CREATE TRIGGER search_fts_deal_au AFTER UPDATE OF name ON records_deal BEGIN SELECT 1; END")
    assert sqlite_index.install(connection) == ["deal"]
    assert sqlite_index.install(connection) == []


@sqlite_only
def test_writes_fold_text_through_the_registered_function(admin):
    AccountFactory(actor=admin, name="Ærøskøbing Ferries")
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM search_fts_account WHERE title LIKE 'aero%'")
        assert cursor.fetchall() == [("aeroskobing ferries",)]


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        # Tiny test tables are cheaper to scan; forbid that to see which index the query can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
@pytest.mark.parametrize("type_", list(DOCUMENTS))
def test_the_queries_match_the_index_expressions(type_, monkeypatch):
    """A query uses an expression index only if its expression is the indexed one, exactly."""
    from rapport.search import postgres_backend
    from rapport.search.backends import Visible

    plans: list[str] = []
    real_fetch = postgres_backend._fetch_all

    def explained(sql, params):
        plans.append(_plan(sql, params))
        return real_fetch(sql, params)

    # Each pass is one statement: the strict one reads its count from its own window.
    monkeypatch.setattr(postgres_backend, "_fetch_all", explained)
    doc = DOCUMENTS[type_]
    # No workspace condition, so the btree workspace index cannot stand in for the GIN ones.
    everything = Visible("TRUE", [])
    with postgres_backend.session():
        postgres_backend.strict(doc, ["acme"], everything, 5, 100)
        postgres_backend.fuzzy(doc, ["trdaing"], everything, 5, exclude=[])
        postgres_backend.similar(doc, ["tradng"], everything, 5)
    tsv, trgm = postgres_index.index_names(doc)
    assert tsv in plans[0]
    assert tsv in plans[1]
    assert trgm in plans[2]


@postgres_only
def test_the_gin_indexes_lead_with_the_workspace():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'search\\_%%'")
        definitions = dict(cursor.fetchall())
    assert len(definitions) == 2 * len(DOCUMENTS)
    assert all("USING gin (workspace_id, " in d for d in definitions.values())


@postgres_only
def test_indexes_are_built_with_a_fingerprint_and_rebuilt_when_it_differs():
    assert postgres_index.install(connection) == []
    with connection.cursor() as cursor:
        cursor.execute("COMMENT ON INDEX search_lead_trgm IS 'an older definition'")
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_lead_trgm'")
        assert "workspace_id" in cursor.fetchone()[0]
    assert postgres_index.install(connection) == ["search_lead_trgm"]
    assert postgres_index.install(connection) == []
