"""Create and edit forms: the services' rules and errors next to the fields, nothing written on error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.events.models import Event, EventType
from rapport.records import services
from rapport.records.models import Account, Activity, Contact, Deal, Lead

from ..factories import AccountFactory, ActivityFactory, DealFactory, LeadFactory
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

SLUGS = ["accounts", "contacts", "leads", "deals", "activities"]


@pytest.mark.parametrize("slug", SLUGS)
def test_new_form_opens_for_who_may_add(slug, seller, web_as):
    response = web_as(seller).get(f"/{slug}/new/")
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in text(response)


def test_new_form_is_403_for_a_role_without_add(workspace, admin, web_as):
    from ..records.helpers import member_with

    viewer = member_with(workspace, "viewer@acme.test", {"account": {"view": "all", "add": "none", "edit": "none", "delete": "none"}})
    assert web_as(viewer).get("/accounts/new/").status_code == 403
    with unchanged():
        assert web_as(viewer).post("/accounts/new/", {"kind": "company", "name": "Nope"}).status_code == 403


def test_create_account_through_the_form(seller, web_as):
    response = web_as(seller).post(
        "/accounts/new/",
        {"kind": "company", "name": "Brand New SL", "emails": "Info@Brand.test\nsales@brand.test", "city": "Lugo", "country": "ES"},
    )
    account = Account.objects.get(name="Brand New SL")
    assert response.status_code == 302 and response["Location"] == f"/accounts/{account.pk}/"
    assert account.owner_id == seller.pk
    assert account.emails == ["info@brand.test", "sales@brand.test"]
    assert Event.objects.filter(object_type="account", object_id=account.pk, event_type=EventType.CREATED).exists()


def test_person_account_takes_the_person_name(seller, web_as):
    web_as(seller).post("/accounts/new/", {"kind": "person", "first_name": "Ana", "last_name": "Pena"})
    assert Account.objects.filter(name="Ana Pena", kind="person").exists()


def test_field_errors_are_shown_next_to_their_fields_and_nothing_is_written(seller, web_as):
    with unchanged():
        response = web_as(seller).post("/contacts/new/", {"first_name": "No", "last_name": "", "emails": "not-an-address"})
    assert response.status_code == 422
    html = text(response)
    assert 'aria-describedby="id_last_name_error"' in html
    assert '<ul class="errorlist" id="id_last_name_error"><li>This field is required.</li></ul>' in html
    # Once the form's own checks pass, the service's errors land on their fields too.
    with unchanged():
        response = web_as(seller).post("/contacts/new/", {"first_name": "No", "last_name": "Mail", "emails": "not-an-address"})
    assert response.status_code == 422
    assert 'id="id_emails_error"' in text(response) and "not a valid e-mail address" in text(response)


def test_reference_from_another_workspace_is_a_field_error(seller, outsider, web_as):
    foreign = AccountFactory(actor=outsider, name="Globex")
    with unchanged():
        response = web_as(seller).post("/contacts/new/", {"last_name": "Spy", "account": foreign.pk})
    assert response.status_code == 422
    assert 'id="id_account_error"' in text(response)
    assert "Globex" not in text(response)


def test_create_deal_in_the_pipeline_incoming_stage(seller, web_as):
    pipeline = sales_pipeline(seller)
    stages = sales_stages(seller)
    account = AccountFactory(actor=seller, name="Buyer")
    response = web_as(seller).post(
        "/deals/new/", {"name": "Fresh deal", "pipeline": pipeline.pk, "stage": "", "account": account.pk, "amount": "1500.50", "currency": "EUR"}
    )
    deal = Deal.objects.get(name="Fresh deal")
    assert response.status_code == 302
    assert deal.stage_id == stages[0].pk and deal.amount == Decimal("1500.50") and deal.account_id == account.pk


def test_create_lead_and_activity(seller, web_as):
    web = web_as(seller)
    assert web.post("/leads/new/", {"title": "Inbound", "source": "phone", "status": "new", "priority": "high", "email": "x@y.test"}).status_code == 302
    lead = Lead.objects.get(title="Inbound")
    assert lead.source == "phone" and lead.owner_id == seller.pk
    response = web.post("/activities/new/", {"kind": "meeting", "subject": "Demo", "lead": lead.pk, "due_at": "2031-03-01T10:00", "participant_members": [seller.pk]})
    assert response.status_code == 302
    meeting = Activity.objects.get(subject="Demo")
    assert meeting.lead_id == lead.pk and list(meeting.participant_members.all()) == [seller]


def test_custom_fields_are_part_of_the_form(admin, seller, web_as):
    services.custom_field_create(actor=admin, data={"record_type": "contact", "key": "shoe_size", "label": "Shoe size", "field_type": "number", "required": True})
    services.custom_field_create(actor=admin, data={"record_type": "contact", "key": "channel", "label": "Channel", "field_type": "choice", "choices": ["mail", "phone"]})
    web = web_as(seller)
    assert "Shoe size" in text(web.get("/contacts/new/"))
    with unchanged():
        missing = web.post("/contacts/new/", {"last_name": "Foot"})
    assert missing.status_code == 422 and 'id="id_custom__shoe_size_error"' in text(missing)
    web.post("/contacts/new/", {"last_name": "Foot", "custom__shoe_size": "43", "custom__channel": "phone"})
    contact = Contact.objects.get(last_name="Foot")
    assert contact.custom == {"shoe_size": "43", "channel": "phone"}


def test_edit_changes_only_what_the_member_changed(seller, web_as):
    account = AccountFactory(actor=seller, name="Old name", city="Vigo")
    web = web_as(seller)
    form = web.get(f"/accounts/{account.pk}/edit/")
    assert form.status_code == 200 and 'value="Old name"' in text(form)
    data = {"kind": "company", "name": "New name", "city": "Vigo", "version": 1}
    assert web.post(f"/accounts/{account.pk}/edit/", data).status_code == 302
    account = reload(account)
    assert account.name == "New name" and account.version == 2
    changes = Event.objects.filter(object_type="account", object_id=account.pk, event_type=EventType.FIELD_CHANGED)
    assert [e.field for e in changes] == ["name"]


def test_edit_of_a_version_changed_meanwhile_shows_reload_and_writes_nothing(seller, web_as):
    deal = DealFactory(actor=seller, name="Contested")
    services.deal_update(actor=seller, deal=deal, data={"amount": Decimal("99")})
    with unchanged():
        response = web_as(seller).post(f"/deals/{deal.pk}/edit/", {"name": "Mine now", "amount": "1", "currency": "EUR", "version": 1})
    assert response.status_code == 412
    html = text(response)
    assert "changed by someone else" in html and f"/deals/{deal.pk}/edit/" in html


def test_edit_is_403_when_the_member_sees_but_may_not_edit(admin, seller, web_as):
    account = AccountFactory(actor=admin, name="Admin's account")  # sellers see all accounts, edit their own
    assert web_as(seller).get(f"/accounts/{account.pk}/edit/").status_code == 403
    with unchanged():
        assert web_as(seller).post(f"/accounts/{account.pk}/edit/", {"kind": "company", "name": "Taken", "version": 1}).status_code == 403


def test_edit_of_a_hidden_or_foreign_record_is_404(seller, seller2, outsider, web_as):
    lead = LeadFactory(actor=seller)
    foreign = AccountFactory(actor=outsider)
    assert web_as(seller2).get(f"/leads/{lead.pk}/edit/").status_code == 404
    with unchanged():
        assert web_as(seller2).post(f"/leads/{lead.pk}/edit/", {"title": "x", "version": 1}).status_code == 404
        assert web_as(seller).post(f"/accounts/{foreign.pk}/edit/", {"name": "x", "version": 1}).status_code == 404


def test_closed_lead_edit_form_has_no_status(seller, web_as):
    lead = LeadFactory(actor=seller)
    services.lead_disqualify(actor=seller, lead=lead, reason="Spam")
    response = web_as(seller).get(f"/leads/{lead.pk}/edit/")
    assert 'name="status"' not in text(response)


def test_activity_edit_keeps_its_record(seller, web_as):
    deal = DealFactory(actor=seller)
    activity = ActivityFactory(actor=seller, deal=deal, subject="Old subject")
    web_as(seller).post(f"/activities/{activity.pk}/edit/", {"kind": "task", "subject": "New subject", "deal": deal.pk, "version": 1})
    activity = reload(activity)
    assert activity.subject == "New subject" and activity.deal_id == deal.pk


def test_text_typed_into_forms_renders_inert_everywhere(seller, web_as):
    web = web_as(seller)
    web.post("/accounts/new/", {"kind": "company", "name": XSS, "comment": XSS, "industry": XSS})
    account = Account.objects.get(name=XSS)
    web.post("/contacts/new/", {"last_name": XSS, "job_title": XSS, "account": account.pk})
    for url in ("/accounts/", f"/accounts/{account.pk}/", f"/accounts/{account.pk}/edit/", "/contacts/?columns=name,job_title,account", "/contacts/new/"):
        html = text(web.get(url))
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
