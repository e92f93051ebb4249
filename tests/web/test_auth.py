"""Signing in and out, throttling of failed sign-ins, the workspace switcher and redirects."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from rapport.api.auth import SESSION_WORKSPACE_KEY
from rapport.core import clock
from rapport.records import services
from rapport.web import throttle
from rapport.web.context import attention_counters
from rapport.web.views.auth import home
from rapport.workspaces.models import Member
from rapport.workspaces.services import member_update

from ..conftest import PASSWORD, add_member
from ..factories import ActivityFactory, LeadFactory
from .records_fixtures import row_names


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Autouse runs before the member fixtures, so their passwords use the cheap hasher too.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"email": email, "password": password, **extra})


def test_signed_out_visitor_is_sent_to_login_with_next(db):
    response = Client().get("/deals/board/?pipeline=1")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/deals/board/%3Fpipeline%3D1"
    assert Client().get("/events/")["Location"].startswith("/login/?next=/events/")


def test_api_is_not_redirected_to_login(db):
    response = Client().get("/api/v1/deals")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_login_page_renders_form(db):
    response = Client().get("/login/?next=/events/")
    assert response.status_code == 200
    assert b'name="email"' in response.content and b'name="password"' in response.content
    assert b'value="/events/"' in response.content


def test_sign_in_goes_to_next_page_in_own_workspace(seller):
    client = Client()
    response = sign_in(client, "SELLER@acme.test", next="/events/")
    assert response.status_code == 302 and response["Location"] == "/events/"
    assert client.session[SESSION_WORKSPACE_KEY] == seller.workspace_id
    assert client.get("/events/").status_code == 200


def test_sign_in_refuses_a_next_url_on_another_host(seller):
    response = sign_in(Client(), "seller@acme.test", next="https://evil.example/steal")
    assert response["Location"] == "/"


def test_wrong_password_shows_a_message_and_does_not_sign_in(seller):
    client = Client()
    response = sign_in(client, "seller@acme.test", "wrong password")
    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_invalid_email_is_a_field_error(db):
    response = sign_in(Client(), "not-an-email", "x")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_five_failures_lock_the_email_from_that_address_even_with_the_right_password(seller):
    client = Client()
    for _ in range(throttle.MAX_FAILURES - 1):
        assert sign_in(client, "seller@acme.test", "nope").status_code == 400
    locked = sign_in(client, "seller@acme.test", "nope")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert int(locked["Retry-After"]) > 14 * 60
    refused = sign_in(client, "seller@acme.test")  # the right password, but locked
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of the same account.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert sign_in(other, "seller@acme.test").status_code == 302


def test_lockout_ends_after_fifteen_minutes(seller):
    start = timezone.now()
    client = Client()
    with clock.frozen_at(start):
        for _ in range(throttle.MAX_FAILURES):
            sign_in(client, "seller@acme.test", "nope")
        assert sign_in(client, "seller@acme.test").status_code == 429
    with clock.frozen_at(start + dt.timedelta(minutes=14)):
        assert sign_in(client, "seller@acme.test").status_code == 429
    with clock.frozen_at(start + dt.timedelta(minutes=16)):
        assert sign_in(client, "seller@acme.test").status_code == 302


def test_failures_spread_beyond_the_window_do_not_lock(seller):
    start = timezone.now()
    client = Client()
    for i in range(throttle.MAX_FAILURES):
        with clock.frozen_at(start + dt.timedelta(minutes=4 * i)):
            assert sign_in(client, "seller@acme.test", "nope").status_code == 400
    with clock.frozen_at(start + dt.timedelta(minutes=17)):
        assert sign_in(client, "seller@acme.test").status_code == 302


def test_success_clears_earlier_failures(seller):
    client = Client()
    for _ in range(throttle.MAX_FAILURES - 1):
        sign_in(client, "seller@acme.test", "nope")
    assert sign_in(client, "seller@acme.test").status_code == 302
    client.post("/logout/")
    for _ in range(throttle.MAX_FAILURES - 1):
        assert sign_in(client, "seller@acme.test", "nope").status_code == 400


def test_logout_needs_post_and_signs_out(seller, web_as):
    client = web_as(seller)
    assert client.get("/logout/").status_code == 405
    assert client.get("/events/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/events/").status_code == 302


def test_start_page_view_redirects_to_the_board(seller, rf):
    # "/" itself belongs to the dashboard once it exists; the "home" view stays as the fallback.
    response = home(rf.get("/"))
    assert response.status_code == 302 and response["Location"] == "/deals/board/"


def test_switch_to_a_workspace_the_user_belongs_to(seller, other_workspace, web_as):
    add_member(other_workspace, "seller@acme.test", "Seller")
    client = web_as(seller)
    response = client.post("/workspace/switch/", {"workspace": other_workspace.pk, "next": "/events/"})
    assert response.status_code == 302 and response["Location"] == "/events/"
    assert client.session[SESSION_WORKSPACE_KEY] == other_workspace.pk
    page = client.get("/events/").content.decode()
    assert "Globex" in page


def test_switch_to_a_foreign_workspace_is_refused(seller, other_workspace, outsider, web_as):
    client = web_as(seller)
    assert client.post("/workspace/switch/", {"workspace": other_workspace.pk}).status_code == 404
    assert client.post("/workspace/switch/", {"workspace": "abc"}).status_code == 404
    assert client.get("/workspace/switch/").status_code == 405
    assert client.session[SESSION_WORKSPACE_KEY] == seller.workspace_id


def test_switch_to_a_workspace_where_membership_ended_is_refused(seller, admin, other_workspace, web_as):
    theirs = add_member(other_workspace, "seller@acme.test", "Seller")
    theirs.is_active = False
    Member.objects.filter(pk=theirs.pk).update(is_active=False)
    client = web_as(seller)
    assert client.post("/workspace/switch/", {"workspace": other_workspace.pk}).status_code == 404
    assert client.session[SESSION_WORKSPACE_KEY] == seller.workspace_id


def test_user_without_membership_sees_the_explaining_page(seller, admin, web_as):
    client = web_as(seller)
    member_update(actor=admin, member=seller, data={"is_active": False})
    response = client.get("/deals/board/")
    assert response.status_code == 302 and response["Location"] == "/no-workspace/"
    page = client.get("/no-workspace/")
    assert page.status_code == 200
    assert "not in any workspace" in page.content.decode()
    assert "seller@acme.test" in page.content.decode()


def test_member_on_no_workspace_page_goes_home(seller, web_as):
    assert web_as(seller).get("/no-workspace/")["Location"] == "/"


def test_navigation_shows_attention_counters(seller, web_as):
    LeadFactory(actor=seller)
    LeadFactory(actor=seller)
    past = timezone.now() - dt.timedelta(days=3)
    ActivityFactory(actor=seller, due_at=past)
    page = web_as(seller).get("/events/").content.decode()
    assert 'aria-label="2 new leads assigned to you">2<' in page
    assert 'aria-label="1 overdue task of yours">1<' in page


def test_each_counter_opens_the_list_of_exactly_what_it_counts(seller, seller2, web_as):
    LeadFactory(actor=seller, title="New one")
    LeadFactory(actor=seller, title="New two")
    LeadFactory(actor=seller, title="Being worked", status="working")
    services.lead_archive(actor=seller, lead=LeadFactory(actor=seller, title="Archived new"))
    LeadFactory(actor=seller2, title="Someone else's")
    now = timezone.now()
    ActivityFactory(actor=seller, subject="Late task", due_at=now - dt.timedelta(days=2))
    ActivityFactory(actor=seller, subject="Late but done", due_at=now - dt.timedelta(days=2), done_at=now)
    ActivityFactory(actor=seller, subject="Due tomorrow", due_at=now + dt.timedelta(days=1))
    ActivityFactory(actor=seller, subject="Late call", kind="call", due_at=now - dt.timedelta(days=1))
    ActivityFactory(actor=seller2, subject="Their late task", due_at=now - dt.timedelta(days=1))
    web = web_as(seller)
    page = web.get("/events/").content.decode()
    links = dict(re.findall(r'<a class="counter[^"]*" href="([^"]+)"[^>]*>(\d+)</a>', page))
    assert len(links) == 2
    listed = {}
    for href, number in links.items():
        names = row_names(web.get(html.unescape(href)))
        assert len(names) == int(number), (href, names)
        listed[href.split("?")[0]] = sorted(names)
    assert listed == {"/leads/": ["New one", "New two"], "/activities/": ["Late task"]}


def test_counters_cost_at_most_two_queries(seller, django_assert_max_num_queries):
    LeadFactory(actor=seller)
    with django_assert_max_num_queries(2):
        counters = attention_counters(seller)
    assert counters == {"activities": 0, "leads": 1}


def test_counters_leave_out_other_members_items(seller, seller2):
    LeadFactory(actor=seller2)
    ActivityFactory(actor=seller2, due_at=timezone.now() - dt.timedelta(days=1))
    assert attention_counters(seller) == {"activities": 0, "leads": 0}
    assert attention_counters(seller2) == {"activities": 1, "leads": 1}
