import pytest
from tests.factories import AccountFactory, DealFactory, LeadFactory, ContactFactory, ActivityFactory
from rapport.search.backends import search

pytestmark = pytest.mark.django_db

def test_smoke(admin, seller):
    a = AccountFactory(actor=admin, name="Acme Trading", emails=["info@acme.test"])
    AccountFactory(actor=admin, name="Müller GmbH")
    DealFactory(actor=seller, name="Acme renewal")
    for q in ["Acme Trdaing", "acm", "muller", "müller", "info", "acme.test", "ac", "trading acme", "Trdaing"]:
        r = search(admin, q)
        print(q, [(g.type, g.count, [(h.title.text, h.title.ranges, h.snippet and h.snippet.text, h.score) for h in g.hits]) for g in r.groups if g.count])

def test_accents(admin):
    AccountFactory(actor=admin, name="Łódź Straße Muller")
    for q in ["lodz", "łódź", "strasse", "straße", "müller", "mu", "ło"]:
        r = search(admin, q)
        print(q, [(g.type, [h.title.text for h in g.hits]) for g in r.groups if g.count])
