"""search(): what it finds, how it tolerates typos, and what each member may see (SPEC R10, P5)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.records import services
from rapport.search.backends import MAX_QUERY_LENGTH, search
from tests.factories import AccountFactory, ActivityFactory, DealFactory

from .support import found, ids

pytestmark = pytest.mark.django_db


# --- Finding ------------------------------------------------------------------------------------


def test_finds_an_account_by_name_with_the_match_highlighted(admin, records):
    results = search(admin, "acme trading")
    hit = results.group("account").hits[0]
    assert (hit.type, hit.id, hit.url) == ("account", records.acme.pk, f"/accounts/{records.acme.pk}/")
    assert hit.title.text == "Acme Trading"
    assert hit.title.ranges == [(0, 4), (5, 12)]


def test_finds_by_e_mail_and_says_in_which_field(admin, records):
    results = search(admin, "jane@acme-trading.test")
    assert ids(results, "contact") == {records.jane.pk}
    hit = results.group("contact").hits[0]
    assert hit.snippet_label.lower() == "e-mails"
    assert [piece for piece, matched in hit.snippet.parts() if matched] == ["jane", "acme", "trading", "test"]


def test_finds_a_lead_by_its_company(admin, records):
    results = search(admin, "initech")
    assert found(results) == {("lead", records.scanners.pk)}
    assert results.group("lead").hits[0].snippet_label.lower() == "company"


def test_finds_activities_by_the_text_of_their_body(admin, records):
    results = search(admin, "brochure")
    assert found(results) == {("activity", records.call.pk)}
    assert "brochure" in results.group("activity").hits[0].snippet.text


def test_finds_by_city_and_comment(admin, records):
    assert ids(search(admin, "zaragoza"), "account") == {records.acme.pk}
    assert ids(search(admin, "long-standing customer"), "account") == {records.acme.pk}


def test_tolerates_typos(admin, records):
    assert ids(search(admin, "Acme Trdaing"), "account") == {records.acme.pk}  # swapped letters
    assert ids(search(admin, "Smtih"), "contact") == {records.jane.pk}
    assert ids(search(admin, "Warehuose"), "lead") == {records.scanners.pk}
    assert ids(search(admin, "brochurre"), "activity") == {records.call.pk}  # a letter too many
    assert ids(search(admin, "Warehousr"), "lead") == {records.scanners.pk}  # a wrong letter
    assert ids(search(admin, "warhouse"), "lead") == {records.scanners.pk}  # a letter missing


def test_a_wrong_or_missing_letter_in_a_name_is_found_as_a_last_resort(admin, records):
    nordic = AccountFactory(actor=admin, name="Nordic Logistics")
    garcia = AccountFactory(actor=admin, name="Talleres García")
    assert ids(search(admin, "acme tradng"), "account") == {records.acme.pk}
    assert ids(search(admin, "Nordik Logistcs"), "account") == {nordic.pk}
    assert ids(search(admin, "Garsia"), "account") == {garcia.pk}
    assert found(search(admin, "Smoth")) == set()  # two edits away in a five-letter word


@pytest.mark.skipif(connection.vendor != "sqlite", reason="trigram substrings, SQLite only")
def test_sqlite_finds_inner_parts_of_words(admin, records):
    assert ids(search(admin, "cme trad"), "account") == {records.acme.pk}


def test_typo_tolerance_has_limits(admin, records):
    assert found(search(admin, "Acme Zzzzzzz")) == set()
    assert found(search(admin, "cmea")) == set()  # a typo in the first letter is not guessed


def test_finds_while_typing_by_word_prefix(admin, records):
    assert ids(search(admin, "acm"), "account") == {records.acme.pk}
    assert ids(search(admin, "ac"), "account") == {records.acme.pk}
    assert ids(search(admin, "ware sca"), "lead") == {records.scanners.pk}
    assert ids(search(admin, "bro"), "activity") == {records.call.pk}


def test_ignores_case_and_accents_both_ways(admin):
    muller = AccountFactory(actor=admin, name="Müller Straße GmbH")
    lodz = AccountFactory(actor=admin, name="Lodz Foods")
    assert ids(search(admin, "MULLER strasse"), "account") == {muller.pk}
    assert ids(search(admin, "Łódź"), "account") == {lodz.pk}


def test_groups_hits_by_type_in_a_fixed_order_with_counts(admin, records):
    results = search(admin, "acme")
    assert [g.type for g in results.groups] == ["account", "contact", "lead", "deal", "activity"]
    counts = {g.type: g.count for g in results.groups}
    # acme's admin sees its own "Acme Trading", Jane (by her acme e-mail) and the three deals.
    assert counts == {"account": 1, "contact": 1, "lead": 0, "deal": 3, "activity": 0}
    assert results.total == 5
    assert ids(results, "deal") == {records.renewal.pk, records.expansion.pk, records.audit.pk}


def test_types_narrow_the_search(admin, records):
    results = search(admin, "acme", types="deal,account")
    assert [g.type for g in results.groups] == ["account", "deal"]


def test_limit_per_type_and_counts_beyond_it(admin):
    for n in range(7):
        DealFactory(actor=admin, name=f"Bulk order {n}")
    group = search(admin, "bulk order", limit_per_type=3).group("deal")
    assert (len(group.hits), group.count, group.has_more) == (3, 7, True)
    group = search(admin, "bulk order", limit_per_type=10).group("deal")
    assert (len(group.hits), group.count, group.has_more) == (7, 7, False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the id slices of the PostgreSQL window")
@pytest.mark.parametrize("recent_ids", [2, 5, 1000])
def test_the_newest_matches_are_found_whatever_slice_they_are_in(admin, monkeypatch, recent_ids):
    """The window of newest matches is read recent ids first, older ones only if needed: the
    hits and counts are the same wherever the slice boundary falls."""
    from rapport.search import backends, postgres_backend

    monkeypatch.setattr(postgres_backend, "RECENT_IDS", recent_ids)
    monkeypatch.setattr(postgres_backend, "RANK_WINDOW", 6)
    monkeypatch.setattr(backends, "COUNT_CAP", 5)
    monkeypatch.setattr(backends, "EXTRA_CANDIDATES", 0)
    deals = [DealFactory(actor=admin, name=f"Bulk order {n}") for n in range(9)]
    for n in range(4):  # newer records that do not match
        DealFactory(actor=admin, name=f"Other {n}")
    group = search(admin, "bulk order", limit_per_type=3).group("deal")
    # The newest three matches, and the count of all nine capped at five.
    assert [h.id for h in group.hits] == [d.pk for d in reversed(deals[-3:])]
    assert group.count == 5
    group = search(admin, "bulk order", limit_per_type=7).group("deal")
    assert [h.id for h in group.hits] == [d.pk for d in reversed(deals[-7:])]


def test_ranks_title_matches_before_body_matches(admin):
    in_comment = AccountFactory(actor=admin, name="Initrode", comment="Competitor of Vandelay")
    in_name = AccountFactory(actor=admin, name="Vandelay Industries")
    assert [h.id for h in search(admin, "vandelay").group("account").hits] == [in_name.pk, in_comment.pk]


def test_query_syntax_of_the_engines_is_plain_text(admin, records):
    # FTS5 and tsquery operators, LIKE and GLOB wildcards and quotes are just characters.
    for query in ['"acme', "acme*", "acme AND OR NOT", "(acme", "ac%me", "ac_me", "acme:*", "a'c'm'e", "acme | !x", "[acme]", "NEAR(acme)"]:
        search(admin, query)
    assert ids(search(admin, '"acme" (trading)'), "account") == {records.acme.pk}


# --- Permissions (P1-P3, P5) -------------------------------------------------------------------


def test_a_seller_finds_only_their_own_deals(seller, records):
    assert ids(search(seller, "acme"), "deal") == {records.renewal.pk}


def test_a_manager_finds_their_team_and_an_admin_everything(manager, admin, records):
    team = {records.renewal.pk, records.expansion.pk}
    assert ids(search(manager, "acme"), "deal") >= team
    assert ids(search(admin, "acme"), "deal") == team | {records.audit.pk}


def test_leads_and_activities_follow_the_view_scope(seller, seller2, loner, records):
    assert ids(search(seller2, "warehouse"), "lead") == {records.scanners.pk}
    assert ids(search(seller, "warehouse"), "lead") == set()
    assert ids(search(seller, "brochure"), "activity") == {records.call.pk}
    assert ids(search(loner, "brochure"), "activity") == set()


def test_counts_never_include_what_the_member_may_not_see(seller, records):
    deals = search(seller, "acme").group("deal")
    assert deals.count == 1


def test_a_private_account_is_found_by_its_creator_only(seller, admin, manager, records):
    assert records.secret.pk in ids(search(seller, "secret"), "account")
    assert ids(search(admin, "secret"), "account") == set()
    assert ids(search(manager, "secret"), "account") == set()


def test_nothing_crosses_workspaces(admin, outsider, records):
    mine = found(search(admin, "acme"))
    assert ("account", records.other_acme.pk) not in mine
    assert ("deal", records.other_renewal.pk) not in mine
    theirs = found(search(outsider, "acme"))
    assert theirs == {("account", records.other_acme.pk), ("deal", records.other_renewal.pk)}


def test_an_inactive_member_finds_nothing(seller, records):
    seller.is_active = False
    assert found(search(seller, "acme")) == set()


# --- Kept in step with the records (same transaction) ----------------------------------------


def test_a_renamed_record_is_found_by_its_new_name_only(admin, records):
    services.deal_update(actor=admin, deal=records.audit, data={"name": "Initech rollout"})
    assert ids(search(admin, "rollout"), "deal") == {records.audit.pk}
    assert records.audit.pk not in ids(search(admin, "audit"), "deal")


def test_a_deleted_record_is_gone_at_once(admin, records):
    services.activity_delete(actor=admin, activity=records.call)
    assert found(search(admin, "brochure")) == set()


def test_a_change_is_searchable_inside_its_transaction_and_gone_after_a_rollback(admin, records):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.account_update(actor=admin, account=records.acme, data={"name": "Vandelay Imports"})
        assert ids(search(admin, "vandelay"), "account") == {records.acme.pk}
        raise Undo
    assert found(search(admin, "vandelay")) == set()
    assert ids(search(admin, "acme trading"), "account") == {records.acme.pk}


def test_an_anonymised_contact_is_no_longer_found_by_their_data(admin, records):
    services.contact_anonymise(actor=admin, contact=records.jane)
    assert found(search(admin, "jane smith")) == set()
    assert found(search(admin, "jane@acme-trading.test"), "contact") == set()


def test_records_created_in_bulk_are_found(admin):
    for n in range(30):
        ActivityFactory(actor=admin, kind="note", subject=f"Note {n}", body=f"quarterly review number {n}")
    group = search(admin, "quarterly review").group("activity")
    assert group.count == 30


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "kwargs", "field"),
    [
        ("", {}, "q"),
        ("   ", {}, "q"),
        ("?!", {}, "q"),
        ("x" * (MAX_QUERY_LENGTH + 1), {}, "q"),
        ("acme\x00", {}, "q"),
        ("acme", {"types": "deal,planet"}, "types"),
        ("acme", {"limit_per_type": 0}, "limit"),
        ("acme", {"limit_per_type": 51}, "limit"),
    ],
)
def test_bad_input_is_a_field_error(admin, query, kwargs, field):
    with pytest.raises(ValidationError) as raised:
        search(admin, query, **kwargs)
    assert field in raised.value.message_dict


def test_a_long_query_of_many_words_is_fine(admin, records):
    words = " ".join(["acme"] + [f"w{n}" for n in range(60)])[:MAX_QUERY_LENGTH]
    assert found(search(admin, words)) == set()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60), types=st.sampled_from([None, "deal", "account,activity"]))
def test_any_text_is_searched_or_refused_as_a_field_error(admin, records, query, types):
    try:
        results = search(admin, query, types=types, limit_per_type=3)
    except ValidationError as exc:
        assert set(exc.message_dict) <= {"q", "types"}
    else:
        for group in results.groups:
            assert len(group.hits) <= 3 <= group.count or len(group.hits) == group.count
