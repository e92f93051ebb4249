"""Routes of the record pages: lists, detail, forms, actions, saved views, bulk, attachments."""

from django.urls import URLPattern, path

from .views import records_actions as actions
from .views import records_bulk as bulk
from .views import records_detail as detail
from .views import records_forms as forms
from .views import records_lists as lists
from .views.records_common import KINDS


def _record_routes(slug: str) -> list[URLPattern]:
    kw = {"slug": slug}
    return [
        path(f"{slug}/", lists.record_list, kw, name=f"{slug}-list"),
        path(f"{slug}/new/", forms.record_create, kw, name=f"{slug}-new"),
        path(f"{slug}/bulk/", bulk.record_bulk, kw, name=f"{slug}-bulk"),
        path(f"{slug}/views/", lists.saved_view_create, kw, name=f"{slug}-view-create"),
        path(f"{slug}/views/<int:view_id>/", lists.saved_view_update, kw, name=f"{slug}-view-update"),
        path(f"{slug}/views/<int:view_id>/delete/", lists.saved_view_delete, kw, name=f"{slug}-view-delete"),
        path(f"{slug}/<int:pk>/", detail.record_detail, kw, name=f"{slug}-detail"),
        path(f"{slug}/<int:pk>/edit/", forms.record_edit, kw, name=f"{slug}-edit"),
        path(f"{slug}/<int:pk>/delete/", actions.record_delete, kw, name=f"{slug}-delete"),
        path(f"{slug}/<int:pk>/history/", detail.record_history, kw, name=f"{slug}-history"),
        path(f"{slug}/<int:pk>/attachments/", detail.attachment_upload, kw, name=f"{slug}-attach"),
        path(f"{slug}/<int:pk>/attachments/<int:attachment_id>/", detail.attachment_download, kw, name=f"{slug}-attachment"),
    ]


urlpatterns: list = [
    *(route for slug in KINDS for route in _record_routes(slug)),
    *(path(f"{slug}/<int:pk>/activities/", detail.activity_quick_add, {"slug": slug}, name=f"{slug}-quick-add") for slug in KINDS if slug != "activities"),
    path("activities/<int:pk>/complete/", detail.activity_complete, {"done": True}, name="activity-complete"),
    path("activities/<int:pk>/reopen/", detail.activity_complete, {"done": False}, name="activity-reopen"),
    path("deals/<int:pk>/move/", actions.deal_move, name="deal-move"),
    path("deals/<int:pk>/won/", actions.deal_won, name="deal-won"),
    path("deals/<int:pk>/lost/", actions.deal_lost, name="deal-lost"),
    path("deals/<int:pk>/reopen/", actions.deal_reopen, name="deal-reopen"),
    path("deals/<int:pk>/contacts/", actions.deal_contact_link, name="deal-contact-link"),
    path("deals/<int:pk>/contacts/<int:contact_id>/delete/", actions.deal_contact_unlink, name="deal-contact-unlink"),
    path("leads/<int:pk>/qualify/", actions.lead_qualify, name="lead-qualify"),
    path("leads/<int:pk>/disqualify/", actions.lead_disqualify, name="lead-disqualify"),
    path("leads/<int:pk>/archive/", actions.lead_archive, name="lead-archive"),
    path("leads/<int:pk>/unarchive/", actions.lead_unarchive, name="lead-unarchive"),
    path("accounts/<int:pk>/archive/", actions.account_archive, name="account-archive"),
    path("accounts/<int:pk>/unarchive/", actions.account_unarchive, name="account-unarchive"),
]
