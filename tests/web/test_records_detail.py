"""Detail pages: fields, related records, timeline, history tab, actions, attachments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.events.models import Event, EventType
from rapport.records import services
from rapport.records.models import Activity, Attachment, Deal, DealStatus, Lead, LeadStatus

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory
from .records_fixtures import (  # noqa: F401
    XSS,
    fast_passwords,
    media_root,
    reload,
    sales_pipeline,
    sales_stages,
    text,
    unchanged,
)

SLUGS = {"account": "accounts", "contact": "contacts", "lead": "leads", "deal": "deals", "activity": "activities"}


def _one_of_each(actor):
    account = AccountFactory(actor=actor, name="Acme Ltd")
    contact = ContactFactory(actor=actor, account=account, last_name="Jones")
    deal = DealFactory(actor=actor, account=account, name="Big deal")
    return {
        "account": account,
        "contact": contact,
        "lead": LeadFactory(actor=actor, title="Warm lead"),
        "deal": deal,
        "activity": ActivityFactory(actor=actor, deal=deal, subject="Call back"),
    }


@pytest.mark.parametrize("record_type", list(SLUGS))
def test_detail_page_opens_for_who_may_see_it_and_is_404_for_others(record_type, seller, seller2, outsider, web_as):
    obj = _one_of_each(seller)[record_type]
    url = f"/{SLUGS[record_type]}/{obj.pk}/"
    response = web_as(seller).get(url)
    assert response.status_code == 200
    assert str(obj) in text(response)
    # Another workspace's administrator: the same answer as a missing record.
    assert web_as(outsider).get(url).status_code == 404
    assert web_as(seller).get(f"/{SLUGS[record_type]}/999999999/").status_code == 404
    assert web_as(seller).get(f"/{SLUGS[record_type]}/99999999999999999999999/").status_code == 404
    if record_type in ("deal", "lead", "activity"):
        # Sellers see only their own deals, leads and activities.
        assert web_as(seller2).get(url).status_code == 404


def test_account_page_shows_people_deals_and_sub_accounts(admin, web_as):
    account = AccountFactory(actor=admin, name="Parent Co")
    AccountFactory(actor=admin, name="Child Co", parent=account)
    ContactFactory(actor=admin, account=account, first_name="Ann", last_name="Lee")
    DealFactory(actor=admin, account=account, name="Renewal 2025")
    html = text(web_as(admin).get(f"/accounts/{account.pk}/"))
    for expected in ("Child Co", "Ann Lee", "Renewal 2025", f"/deals/?account={account.pk}", f"/contacts/new/?account={account.pk}"):
        assert expected in html


def test_related_private_account_is_not_named_on_a_visible_deal(manager, seller, web_as):
    secret = AccountFactory(actor=seller, name="Secret Holdings", is_private=True)
    deal = DealFactory(actor=seller, account=secret, name="Visible deal")
    # The manager sees the seller's deal (P2) but not the seller's private account (P3).
    html = text(web_as(manager).get(f"/deals/{deal.pk}/"))
    assert "Visible deal" in html
    assert "Secret Holdings" not in html
    assert "Secret Holdings" not in text(web_as(manager).get("/deals/?columns=name,account"))
    history = text(web_as(manager).get(f"/deals/{deal.pk}/history/"))
    assert "Created" in history and "(hidden)" in history
    assert "Secret Holdings" not in history
    # Its creator still reads the name in the same history.
    assert "Secret Holdings" in text(web_as(seller).get(f"/deals/{deal.pk}/history/"))


def test_history_tab_lists_the_record_events_newest_first(admin, outsider, web_as):
    account = AccountFactory(actor=admin, name="Before Ltd")
    services.account_update(actor=admin, account=account, data={"name": "After Ltd", "city": "Ourense"})
    web = web_as(admin)
    # The detail page loads the tab from the history URL when it is opened.
    assert f'hx-get="/accounts/{account.pk}/history/"' in text(web.get(f"/accounts/{account.pk}/"))
    partial = web.get(f"/accounts/{account.pk}/history/", headers={"HX-Request": "true"})
    assert "<html" not in text(partial)
    history = partial.context["history"]
    assert [row["event_type"] for row in history][-1] == EventType.CREATED
    changed = {row["field"]: (row["before"], row["after"]) for row in history if row["event_type"] == EventType.FIELD_CHANGED}
    assert changed["Name"] == ("Before Ltd", "After Ltd")
    assert changed["City"] == ("", "Ourense")
    assert "Ada Admin" in text(partial)
    # And it is a page of its own without script; 404 for who may not see the record.
    page = web.get(f"/accounts/{account.pk}/history/")
    assert page.status_code == 200 and "After Ltd" in text(page) and "<html" in text(page)
    assert web_as(outsider).get(f"/accounts/{account.pk}/history/").status_code == 404


def test_timeline_shows_activities_newest_first_and_quick_add_writes_through_the_service(seller, web_as):
    deal = DealFactory(actor=seller, name="Timeline deal")
    ActivityFactory(actor=seller, deal=deal, subject="First call", kind="call")
    web = web_as(seller)
    response = web.post(f"/deals/{deal.pk}/activities/", {"kind": "task", "subject": "Send the offer", "body": "By Friday", "due_at": "2030-01-10T09:30"})
    assert response.status_code == 302
    task = Activity.objects.get(subject="Send the offer")
    assert task.deal_id == deal.pk and task.kind == "task" and task.owner_id == seller.pk
    assert task.due_at.isoformat().startswith("2030-01-10T08:30")  # typed in the workspace's zone (Madrid)
    assert Event.objects.filter(object_type="activity", object_id=task.pk, event_type=EventType.CREATED).exists()
    timeline = web.get(f"/deals/{deal.pk}/").context["timeline"]
    assert [item.subject for item, _can in timeline] == ["Send the offer", "First call"]


def test_quick_add_with_errors_writes_nothing(seller, web_as):
    deal = DealFactory(actor=seller)
    with unchanged():
        response = web_as(seller).post(f"/deals/{deal.pk}/activities/", {"kind": "task", "subject": ""})
    assert response.status_code == 422
    assert 'id="quick_subject_error"' in text(response)


def test_quick_add_on_a_hidden_record_is_404_and_writes_nothing(seller, seller2, web_as):
    deal = DealFactory(actor=seller)
    with unchanged():
        assert web_as(seller2).post(f"/deals/{deal.pk}/activities/", {"kind": "note", "subject": "Hi"}).status_code == 404


def test_complete_a_task_inline(seller, seller2, web_as):
    deal = DealFactory(actor=seller)
    task = ActivityFactory(actor=seller, deal=deal, subject="Ring them")
    with unchanged():
        assert web_as(seller2).post(f"/activities/{task.pk}/complete/").status_code == 404
    response = web_as(seller).post(f"/activities/{task.pk}/complete/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in text(response) and "Reopen" in text(response)
    assert reload(task).done_at is not None
    # Completing it again (say, from a second tab) is a conflict to explain, not a server error.
    with unchanged():
        again = web_as(seller).post(f"/activities/{task.pk}/complete/")
    assert again.status_code == 409 and "already done" in text(again)
    assert web_as(seller).post(f"/activities/{task.pk}/reopen/", {"next": f"/deals/{deal.pk}/"})["Location"] == f"/deals/{deal.pk}/"
    assert reload(task).done_at is None


def test_deal_actions_move_lose_reopen_win(admin, web_as):
    stages = sales_stages(admin)
    deal = DealFactory(actor=admin, name="Moving deal")
    web = web_as(admin)
    assert web.post(f"/deals/{deal.pk}/move/", {"stage": stages[2].pk, "version": 1}).status_code == 302
    deal = reload(deal)
    assert deal.stage_id == stages[2].pk
    with unchanged():
        missing = web.post(f"/deals/{deal.pk}/lost/", {"reason": "", "version": deal.version})
    assert missing.status_code == 422 and 'id="lost_reason_error"' in text(missing)
    web.post(f"/deals/{deal.pk}/lost/", {"reason": "Chose a rival", "version": deal.version})
    deal = reload(deal)
    assert deal.status == DealStatus.LOST and deal.lost_reason == "Chose a rival"
    web.post(f"/deals/{deal.pk}/reopen/", {"version": deal.version})
    deal = reload(deal)
    assert deal.status == DealStatus.OPEN
    web.post(f"/deals/{deal.pk}/won/", {"version": deal.version})
    assert reload(deal).status == DealStatus.WON
    stage_history = web.get(f"/deals/{deal.pk}/").context["related"]["stage_changes"]
    assert len(stage_history) == 5  # created, moved, lost, reopened, won


def test_stale_version_on_an_action_changes_nothing(admin, web_as):
    stages = sales_stages(admin)
    deal = DealFactory(actor=admin)
    services.deal_update(actor=admin, deal=deal, data={"amount": Decimal("5")})
    with unchanged():
        response = web_as(admin).post(f"/deals/{deal.pk}/move/", {"stage": stages[1].pk, "version": 1})
    assert response.status_code == 412
    assert "changed by someone else" in text(response)


def test_action_a_member_may_not_do_is_403_and_changes_nothing(manager, loner, web_as):
    deal = DealFactory(actor=loner)  # the manager sees it (view all) but edits only their team's
    with unchanged():
        response = web_as(manager).post(f"/deals/{deal.pk}/won/", {"version": 1})
    assert response.status_code == 403


def test_deal_contacts_with_roles(admin, web_as):
    deal = DealFactory(actor=admin)
    contact = ContactFactory(actor=admin, first_name="Rita", last_name="Role")
    web = web_as(admin)
    assert web.get(f"/deals/{deal.pk}/contacts/").status_code == 200
    with unchanged():
        assert web.post(f"/deals/{deal.pk}/contacts/", {"contact": 999999, "role": "x"}).status_code == 422
    assert web.post(f"/deals/{deal.pk}/contacts/", {"contact": contact.pk, "role": "Decision maker"}).status_code == 302
    html = text(web.get(f"/deals/{deal.pk}/"))
    assert "Rita Role" in html and "Decision maker" in html
    assert web.post(f"/deals/{deal.pk}/contacts/99999999999999999999/delete/").status_code == 404
    web.post(f"/deals/{deal.pk}/contacts/{contact.pk}/delete/")
    assert not deal.contact_links.exists()


def test_qualify_asks_only_the_pipeline_and_redirects_to_the_new_deal(seller, web_as):
    pipeline = sales_pipeline(seller)
    lead = LeadFactory(actor=seller, title="Hot prospect", company="Prospect SL", budget=Decimal("1200"))
    response = web_as(seller).post(f"/leads/{lead.pk}/qualify/", {"pipeline": pipeline.pk, "amount": "", "version": 1})
    lead = reload(lead)
    assert lead.status == LeadStatus.QUALIFIED
    assert response.status_code == 302 and response["Location"] == f"/deals/{lead.deal_id}/"
    deal = Deal.objects.get(pk=lead.deal_id)
    assert deal.amount == Decimal("1200") and deal.name == "Hot prospect"


def test_disqualify_needs_a_reason_and_archive(seller, web_as):
    lead = LeadFactory(actor=seller)
    web = web_as(seller)
    with unchanged():
        assert web.post(f"/leads/{lead.pk}/disqualify/", {"reason": "  ", "version": 1}).status_code == 422
    web.post(f"/leads/{lead.pk}/disqualify/", {"reason": "No budget", "version": 1})
    assert reload(lead).status == LeadStatus.DISQUALIFIED
    other = LeadFactory(actor=seller)
    web.post(f"/leads/{other.pk}/archive/", {"version": 1})
    assert reload(other).archived_at is not None
    assert Lead.objects.filter(pk=other.pk, archived_at__isnull=False).exists()


def test_delete_from_the_detail_page(admin, seller, web_as):
    account = AccountFactory(actor=seller, name="To go")
    with unchanged():  # sellers may not delete accounts
        assert web_as(seller).post(f"/accounts/{account.pk}/delete/", {"version": 1}).status_code == 403
    response = web_as(admin).post(f"/accounts/{account.pk}/delete/", {"version": 1})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert Event.objects.filter(object_type="account", object_id=account.pk, event_type=EventType.DELETED).exists()


def test_attachments_upload_versions_and_download(seller, seller2, outsider, web_as):
    deal = DealFactory(actor=seller)
    web = web_as(seller)
    first = SimpleUploadedFile("offer.pdf", b"%PDF first", content_type="application/pdf")
    assert web.post(f"/deals/{deal.pk}/attachments/", {"file": first}).status_code == 302
    second = SimpleUploadedFile("offer.pdf", b"%PDF second version", content_type="application/pdf")
    web.post(f"/deals/{deal.pk}/attachments/", {"file": second})
    versions = list(Attachment.objects.filter(object_type="deal", object_id=deal.pk).order_by("version"))
    assert [a.version for a in versions] == [1, 2] and versions[1].previous_id == versions[0].pk
    groups = web.get(f"/deals/{deal.pk}/").context["attachments"]
    assert len(groups) == 1 and [v.version for v in groups[0]["versions"]] == [2, 1]
    download = web.get(f"/deals/{deal.pk}/attachments/{versions[0].pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF first"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert web_as(seller2).get(f"/deals/{deal.pk}/attachments/{versions[0].pk}/").status_code == 404
    assert web_as(outsider).get(f"/deals/{deal.pk}/attachments/{versions[0].pk}/").status_code == 404
    other_deal = DealFactory(actor=seller)
    # An attachment is reached only through the record it hangs on.
    assert web.get(f"/deals/{other_deal.pk}/attachments/{versions[0].pk}/").status_code == 404


def test_upload_without_a_file_or_too_large_writes_nothing(seller, web_as, monkeypatch):
    from rapport.records.services import attachments

    deal = DealFactory(actor=seller)
    with unchanged():
        response = web_as(seller).post(f"/deals/{deal.pk}/attachments/", {})
    assert response.status_code == 422 and 'id="attachment_file_error"' in text(response)
    monkeypatch.setattr(attachments, "MAX_SIZE", 10)
    with unchanged():
        big = web_as(seller).post(f"/deals/{deal.pk}/attachments/", {"file": SimpleUploadedFile("big.bin", b"x" * 11)})
    assert big.status_code == 422 and "25 MB" in text(big)


def test_detail_text_renders_inert(admin, web_as):
    account = AccountFactory(actor=admin, name=XSS, comment=XSS, website="javascript:alert(1)" if False else "", emails=["a@b.test"])
    ContactFactory(actor=admin, account=account, last_name=XSS)
    deal = DealFactory(actor=admin, account=account, name=XSS)
    ActivityFactory(actor=admin, deal=deal, subject=XSS, body=XSS)
    services.account_update(actor=admin, account=account, data={"city": XSS})
    web = web_as(admin)
    web.post(f"/deals/{deal.pk}/attachments/", {"file": SimpleUploadedFile(f"{XSS}.txt", b"x")})
    for url in (f"/accounts/{account.pk}/", f"/deals/{deal.pk}/", f"/accounts/{account.pk}/history/", f"/accounts/{account.pk}/edit/"):
        html = text(web.get(url))
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


@pytest.mark.parametrize("record_type", list(SLUGS))
def test_detail_pages_stay_under_fifteen_queries(record_type, admin, seller, web_as, django_assert_max_num_queries):
    records = _one_of_each(seller)
    obj = records[record_type]
    tag = services.tag_create(actor=admin, data={"name": "Key"})
    for i in range(10):
        ActivityFactory(actor=seller, subject=f"Note {i}", kind="note", **{record_type: obj} if record_type != "activity" else {"deal": records["deal"]})
    if record_type != "activity":
        services.attachment_upload(actor=seller, record=obj, file=SimpleUploadedFile("a.txt", b"a"))
    if record_type in ("account", "contact", "lead", "deal"):
        update = getattr(services, f"{record_type}_update")
        update(actor=seller, data={"tags": [tag.pk]}, **{record_type: obj})
    if record_type == "account":
        for i in range(5):
            AccountFactory(actor=seller, name=f"Child {i}", parent=obj)
            ContactFactory(actor=seller, account=obj)
    if record_type == "deal":
        for _ in range(3):
            services.deal_contact_link(actor=seller, deal=obj, contact_id=ContactFactory(actor=seller).pk, role="User")
    for member in (admin, seller):
        web = web_as(member)
        with django_assert_max_num_queries(15):
            response = web.get(f"/{SLUGS[record_type]}/{obj.pk}/")
        assert response.status_code == 200
