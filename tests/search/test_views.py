"""The /search/ page and the layout's live suggestions."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import AccountFactory, DealFactory

pytestmark = pytest.mark.django_db


def _hit_links(html: str) -> list[str]:
    return re.findall(r'class="search-hit-title" href="([^"]+)"', html)


def test_results_are_grouped_by_type_with_counts_and_links(web_as, admin, records):
    response = web_as(admin).get("/search/", {"q": "acme"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-group-account"' in html and 'id="search-group-deal"' in html
    assert 'id="search-group-lead"' not in html  # no lead matches
    assert f"/accounts/{records.acme.pk}/" in _hit_links(html)
    assert {f"/deals/{d.pk}/" for d in (records.renewal, records.expansion, records.audit)} <= set(_hit_links(html))
    assert '<h2 id="search-group-deal-title">Deals <span class="counter" title="Matching records">3</span></h2>' in html
    assert "<mark>Acme</mark> Trading" in html
    # The layout's box keeps the query.
    assert 'name="q" value="acme"' in html


def test_a_seller_sees_only_their_own_deals(web_as, seller, records):
    links = _hit_links(web_as(seller).get("/search/", {"q": "acme"}).content.decode())
    assert f"/deals/{records.renewal.pk}/" in links
    assert f"/deals/{records.expansion.pk}/" not in links and f"/deals/{records.audit.pk}/" not in links


def test_another_workspace_sees_nothing_of_acme(web_as, outsider, records):
    links = _hit_links(web_as(outsider).get("/search/", {"q": "acme"}).content.decode())
    assert sorted(links) == sorted([f"/accounts/{records.other_acme.pk}/", f"/deals/{records.other_renewal.pk}/"])


def test_html_in_record_names_is_shown_as_text(web_as, admin):
    AccountFactory(actor=admin, name='<script>alert("x")</script> Evil <b>Acme</b>', comment="<img src=x onerror=alert(1)> acme")
    html = web_as(admin).get("/search/", {"q": "acme"}).content.decode()
    assert "<script>alert" not in html and "<b>Acme" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Evil &lt;b&gt;<mark>Acme</mark>&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>acme</mark>" in html


def test_show_more_lists_one_type_with_more_hits(web_as, admin):
    for n in range(8):
        DealFactory(actor=admin, name=f"Bulk order {n}")
    web = web_as(admin)
    html = web.get("/search/", {"q": "bulk"}).content.decode()
    assert len(_hit_links(html)) == 5
    more = re.search(r'href="(/search/\?[^"]*types=deal[^"]*)"', html).group(1).replace("&amp;", "&")
    html = web.get(more).content.decode()
    assert len(_hit_links(html)) == 8
    assert "Show every record type" in html


def test_an_empty_or_bad_query_explains_itself_beside_the_field(web_as, admin, records):
    web = web_as(admin)
    assert "Parts of words and small typos are fine" in web.get("/search/").content.decode()
    html = web.get("/search/", {"q": "?!"}).content.decode()
    assert 'class="field has-error"' in html and "Type at least one letter or digit." in html
    html = web.get("/search/", {"q": "x" * 300}).content.decode()
    assert "Search for at most 200 characters." in html
    html = web.get("/search/", {"q": "acme", "types": "planet"}).content.decode()
    assert "Unknown record type" in html


def test_nothing_found_says_so(web_as, admin, records):
    html = web_as(admin).get("/search/", {"q": "zebra crossing"}).content.decode()
    assert "Nothing you can see matches “zebra crossing”." in html


def test_the_page_refreshes_its_results_alone_for_htmx(web_as, admin, records):
    response = web_as(admin).get("/search/", {"q": "acme"}, headers={"HX-Request": "true", "HX-Target": "search-results"})
    html = response.content.decode()
    assert "<html" not in html and 'id="search-group-account"' in html
    assert 'id="search-page-error" hx-swap-oob="true"' in html


def test_suggestions_show_a_few_hits_per_type(web_as, admin, records):
    for n in range(5):
        DealFactory(actor=admin, name=f"Acme extra {n}")
    html = web_as(admin).get("/search/suggest/", {"q": "acme"}).content.decode()
    assert "<html" not in html
    assert html.count('class="search-suggest-link"') == 1 + 1 + 3  # account, contact, 3 of 8 deals
    assert 'href="/search/?q=acme"' in html


def test_suggestions_wait_for_two_characters_and_say_when_nothing_matches(web_as, admin, records):
    web = web_as(admin)
    assert web.get("/search/suggest/", {"q": "a"}).content.decode().strip() == ""
    assert "Nothing matches yet." in web.get("/search/suggest/", {"q": "zebra"}).content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get("/search/", {"q": "acme"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
