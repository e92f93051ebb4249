"""Lead sources (SPEC D5) and leads per user (D6), now and as of a past moment (D19)."""

from __future__ import annotations

from rapport.records.services import deal_update, lead_archive, lead_disqualify, lead_update

from ..conftest import add_member
from ..factories import DealFactory, LeadFactory
from .support import at, listed, moment, rows_by_key, widget

DAY = {"period": "custom", "start": "2025-03-12", "end": "2025-03-12"}


def test_lead_sources_relative_to_the_largest(api_as, admin, seller):
    with moment(at(2025, 3, 12, 0, 0, 0)):
        for source, n in (("web_form", 3), ("email", 2), ("phone", 1)):
            for _ in range(n):
                LeadFactory(actor=admin, source=source)
    with moment(at(2025, 3, 12, 23, 59, 59)):
        LeadFactory(actor=seller, source="chat")
    with moment(at(2025, 3, 13, 0, 0, 0)):
        LeadFactory(actor=admin, source="chat")  # the next day
    with moment(at(2025, 3, 11, 12)):
        LeadFactory(actor=admin, source="web_form")  # the day before
    api = api_as(admin)
    data = widget(api, "lead_sources", **DAY)
    rows = rows_by_key(data)
    assert [r["key"] for r in data["rows"]] == ["source:web_form", "source:email", "source:chat", "source:phone"]
    assert [r["share"] for r in data["rows"]] == [100.0, 66.7, 33.3, 33.3]
    assert rows["source:web_form"]["value"] == 3 and rows["source:chat"]["value"] == 1
    assert data["number"]["value"] == 7 and data["number"]["previous"] == 1 and data["number"]["change_percent"] == 600.0
    for row in data["rows"]:
        assert len(listed(api, row["link"])) == row["value"]
    assert len(listed(api, data["number"]["link"])) == 7
    assert data["chart"]["type"] == "doughnut"
    # A seller sees the leads they own only.
    assert widget(api_as(seller), "lead_sources", **DAY)["number"]["value"] == 1


def test_leads_per_user_largest_first_with_the_robot(api_as, admin, manager, seller, seller2):
    with moment(at(2025, 3, 1, 9)):
        for _ in range(3):
            LeadFactory(actor=seller)
        LeadFactory(actor=seller2)
        unassigned = [LeadFactory(actor=admin, owner=None) for _ in range(2)]
        closed = LeadFactory(actor=seller)
        archived = LeadFactory(actor=seller2)
        DealFactory(actor=seller2)
        DealFactory(actor=seller2)
    with moment(at(2025, 3, 2, 9)):
        lead_disqualify(actor=seller, lead=closed, reason="Spam")
        lead_archive(actor=seller2, lead=archived)
    api = api_as(manager)
    data = widget(api, "leads_per_user", **DAY)
    assert [(r["key"], r["value"], r["extra"]["deals"]) for r in data["rows"]] == [
        (f"member:{seller.pk}", 3, 0), ("member:0", 2, 0), (f"member:{seller2.pk}", 1, 2),
    ]
    robot = rows_by_key(data)["member:0"]
    assert robot["label"] == "Robot" and robot["extra"]["robot"] is True
    assert sorted(listed(api, robot["link"])) == sorted(u.pk for u in unassigned)
    for row in data["rows"]:
        assert len(listed(api, row["link"])) == row["value"]
        if row["extra"]["deals_link"]:
            assert len(listed(api, row["extra"]["deals_link"])) == row["extra"]["deals"]
    # A seller sees only their own leads (the robot's are not theirs).
    assert [r["key"] for r in widget(api_as(seller), "leads_per_user", **DAY)["rows"]] == [f"member:{seller.pk}"]


def test_leads_per_user_shows_at_most_eleven_owners(api_as, workspace, admin):
    with moment(at(2025, 3, 1, 9)):
        for i in range(12):
            member = add_member(workspace, f"s{i}@acme.test", "Seller", first_name=f"S{i:02d}")
            for _ in range(1 + (i == 5)):
                LeadFactory(actor=admin, owner=member.pk)
    data = widget(api_as(admin), "leads_per_user", **DAY)
    assert len(data["rows"]) == 11
    assert data["rows"][0]["label"] == "S05" and data["rows"][0]["value"] == 2
    assert data["extra"]["other_owners"] == 1 and data["extra"]["other_leads"] == 1


def test_leads_per_user_as_of_a_past_moment(api_as, admin, seller, seller2):
    with moment(at(2025, 3, 1, 9)):
        lead = LeadFactory(actor=seller)
        gone = LeadFactory(actor=seller)
        deal = DealFactory(actor=seller)
    with moment(at(2025, 3, 5, 9)):
        lead = lead_update(actor=admin, lead=lead, data={"owner": seller2.pk})
        lead_disqualify(actor=seller, lead=gone, reason="Duplicate")
    with moment(at(2025, 3, 6, 9)):
        deal_update(actor=admin, deal=deal, data={"owner": seller2.pk})
    with moment(at(2025, 3, 7, 9)):
        lead_archive(actor=seller2, lead=lead)
    api = api_as(admin)
    now = widget(api, "leads_per_user", **DAY)
    assert [(r["key"], r["value"], r["extra"]["deals"]) for r in now["rows"]] == [(f"member:{seller2.pk}", 0, 1)]  # leads closed by now
    then = widget(api, "leads_per_user", as_of="2025-03-04T12:00:00+01:00", **DAY)
    assert [(r["key"], r["value"], r["extra"]["deals"]) for r in then["rows"]] == [(f"member:{seller.pk}", 2, 1)]
    assert then["as_of"] == "2025-03-04T11:00:00Z" and then["rows"][0]["link"] is None
    later = widget(api, "leads_per_user", as_of="2025-03-06T12:00:00", **DAY)  # no offset: Madrid wall clock
    assert [(r["key"], r["value"], r["extra"]["deals"]) for r in later["rows"]] == [(f"member:{seller2.pk}", 1, 1)]
    assert widget(api, "leads_per_user", as_of="2025-02-01T00:00:00Z", **DAY)["rows"] == []  # before they existed


def test_other_workspace_sees_no_leads(api_as, seller, outsider):
    with moment(at(2025, 3, 12, 9)):
        LeadFactory(actor=seller)
    api = api_as(outsider)
    assert widget(api, "lead_sources", **DAY)["number"]["value"] == 0
    assert widget(api, "leads_per_user", **DAY)["rows"] == []
