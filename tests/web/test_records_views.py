"""Saved views on the list pages: personal ones, ones shared with a role, a role's default."""

from __future__ import annotations

from rapport.records.models import SavedFilter

from ..factories import DealFactory, LeadFactory
from .records_fixtures import fast_passwords, media_root, row_names, text, unchanged  # noqa: F401


def test_save_the_list_as_a_personal_view_and_open_it(seller, web_as):
    LeadFactory(actor=seller, title="Phone lead", source="phone")
    LeadFactory(actor=seller, title="Mail lead", source="email")
    web = web_as(seller)
    response = web.post("/leads/views/", {"name": "By phone", "query": "source=phone&ordering=title&columns=title,source"})
    saved = SavedFilter.objects.get(name="By phone")
    assert response.status_code == 302 and response["Location"] == f"/leads/?view={saved.pk}"
    assert saved.owner_id == seller.pk and saved.role_id is None
    assert saved.params == {"source": "phone"} and saved.ordering == "title" and saved.columns == ["title", "source"]
    page = web.get(f"/leads/?view={saved.pk}")
    assert row_names(page) == ["Phone lead"]
    assert [h["column"].key for h in page.context["headers"]] == ["title", "source"]
    assert "By phone" in text(web.get("/leads/"))  # in the views menu


def test_a_view_name_is_required_and_nothing_is_saved(seller, web_as):
    with unchanged():
        response = web_as(seller).post("/leads/views/", {"name": "", "query": "source=phone"})
    assert response.status_code == 422
    assert 'id="view_name_error"' in text(response)


def test_personal_views_are_private_to_their_owner(seller, seller2, web_as):
    web_as(seller).post("/leads/views/", {"name": "Mine only", "query": ""})
    saved = SavedFilter.objects.get(name="Mine only")
    assert "Mine only" not in text(web_as(seller2).get("/leads/"))
    assert web_as(seller2).get(f"/leads/?view={saved.pk}").status_code == 404
    with unchanged():
        assert web_as(seller2).post(f"/leads/views/{saved.pk}/delete/").status_code == 404


def test_only_an_administrator_shares_a_view_with_a_role(admin, seller, web_as):
    seller_role = seller.role_id
    assert 'name="role"' not in text(web_as(seller).get("/deals/")).replace('type="hidden" name="role"', "")
    with unchanged():
        response = web_as(seller).post("/deals/views/", {"name": "For everyone", "role": seller_role, "is_role_default": "on", "query": ""})
    assert response.status_code == 403
    response = web_as(admin).post("/deals/views/", {"name": "Open deals", "role": seller_role, "is_role_default": "on", "query": "status=open"})
    assert response.status_code == 302
    assert SavedFilter.objects.get(name="Open deals").is_role_default


def test_the_role_default_view_opens_when_the_list_has_no_parameters(admin, seller, web_as):
    DealFactory(actor=seller, name="Open one")
    won = DealFactory(actor=seller, name="Won one")
    from rapport.records import services

    services.deal_mark_won(actor=seller, deal=won)
    web_as(admin).post("/deals/views/", {"name": "Open deals", "role": seller.role_id, "is_role_default": "on", "query": "status=open"})
    web = web_as(seller)
    page = web.get("/deals/")
    assert row_names(page) == ["Open one"]
    assert page.context["state"].view.name == "Open deals"
    # Any parameter (or choosing "All records") opens the plain list instead.
    assert sorted(row_names(web.get("/deals/?view=none"))) == ["Open one", "Won one"]
    assert row_names(web.get("/deals/?status=won")) == ["Won one"]
    # Sorting keeps the default view's filters, since its links carry the view.
    assert "view=" in page.context["headers"][0]["sort_link"]


def test_shared_view_is_managed_by_administrators_only(admin, seller, web_as):
    web_as(admin).post("/deals/views/", {"name": "Team view", "role": seller.role_id, "query": "status=open"})
    saved = SavedFilter.objects.get(name="Team view")
    assert "Team view" in text(web_as(seller).get("/deals/"))
    with unchanged():
        assert web_as(seller).post(f"/deals/views/{saved.pk}/", {"query": "status=won"}).status_code == 403
        assert web_as(seller).post(f"/deals/views/{saved.pk}/delete/").status_code == 403
    assert web_as(admin).post(f"/deals/views/{saved.pk}/", {"query": "status=won"}).status_code == 302
    saved.refresh_from_db()
    assert saved.params == {"status": "won"}
    assert web_as(admin).post(f"/deals/views/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_views_of_another_workspace_are_not_found(admin, outsider, web_as):
    web_as(outsider).post("/deals/views/", {"name": "Globex view", "query": ""})
    saved = SavedFilter.objects.get(name="Globex view")
    assert web_as(admin).get(f"/deals/?view={saved.pk}").status_code == 404
    with unchanged():
        assert web_as(admin).post(f"/deals/views/{saved.pk}/delete/").status_code == 404
