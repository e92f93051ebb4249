"""GET /api/v1/search: response shape, permissions, and problem+json errors."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_answers_groups_of_hits_with_highlights(api_as, admin, records):
    response = api_as(admin).get("search", q="acme trdaing")
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "acme trdaing"
    assert body["words"] == ["acme", "trdaing"]
    assert [g["type"] for g in body["groups"]] == ["account", "contact", "lead", "deal", "activity"]
    account = body["groups"][0]
    assert account == {
        "type": "account",
        "label": "Accounts",
        "count": 1,
        "count_capped": False,
        "has_more": False,
        "hits": [
            {
                "id": records.acme.pk,
                "type": "account",
                "title": "Acme Trading",
                "title_highlights": [[0, 4], [5, 12]],
                "snippet": "info@acme-trading.test",
                "snippet_field": "e-mails",
                "snippet_highlights": [[5, 9], [10, 17]],
                "url": f"/accounts/{records.acme.pk}/",
                "score": account["hits"][0]["score"],
            }
        ],
    }
    assert body["total"] == sum(g["count"] for g in body["groups"])


def test_types_and_limit(api_as, admin, records):
    body = api_as(admin).get("search", q="acme", types="deal,lead", limit=2).json()
    assert [g["type"] for g in body["groups"]] == ["lead", "deal"]
    deals = body["groups"][1]
    assert (deals["count"], len(deals["hits"]), deals["has_more"]) == (3, 2, True)


def test_a_seller_sees_only_what_they_may(api_as, seller, records):
    body = api_as(seller).get("search", q="acme", types="deal").json()
    assert [h["id"] for h in body["groups"][0]["hits"]] == [records.renewal.pk]
    assert body["groups"][0]["count"] == 1


def test_another_workspace_sees_only_its_own(api_as, outsider, records):
    body = api_as(outsider).get("search", q="acme").json()
    hits = {(h["type"], h["id"]) for g in body["groups"] for h in g["hits"]}
    assert hits == {("account", records.other_acme.pk), ("deal", records.other_renewal.pk)}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "…!?"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "acme", "types": "deal,spaceship"}, "types"),
        ({"q": "acme", "limit": 0}, "limit"),
        ({"q": "acme", "limit": 51}, "limit"),
        ({"q": "acme", "limit": "many"}, "limit"),
    ],
)
def test_bad_input_is_a_422_problem(api_as, admin, params, field):
    response = api_as(admin).get("search", **params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:rapport:problem:validation"
    assert field in [e["field"] for e in problem["errors"]]


def test_nul_in_the_query_is_a_422(api_as, admin):
    response = api_as(admin).client.get("/api/v1/search?q=acme%00")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


def test_signed_out_is_a_401(db):
    response = Client().get("/api/v1/search", {"q": "acme"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_is_described_in_the_openapi_document(api_as, admin):
    schema = api_as(admin).get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/search"]["get"]
    assert operation["operationId"] == "search"
    assert {p["name"] for p in operation["parameters"]} == {"q", "types", "limit"}
