"""API endpoints for accounts, contacts, leads, deals and activities, with their actions."""


from django.http import HttpRequest, HttpResponse
from ninja import Router

from rapport.records import services
from rapport.records.filters import (
    AccountFilter,
    ActivityFilter,
    ContactFilter,
    DealFilter,
    LeadFilter,
)
from rapport.records.models import Account, Activity, Contact, Deal, Lead
from rapport.workspaces.permissions import get_visible

from . import schemas as s
from .crud import Resource, actor_of, expected_version, register, set_etag

# --- Resources ---------------------------------------------------------------------------------

accounts = Resource(
    name="account",
    model=Account,
    out=s.AccountOut,
    create_in=s.AccountIn,
    patch_in=s.AccountPatch,
    filters=AccountFilter,
    create=lambda actor, data: services.account_create(actor=actor, data=data),
    update=lambda actor, obj, data, v: services.account_update(actor=actor, account=obj, data=data, expected_version=v),
    delete=lambda actor, obj, v: services.account_delete(actor=actor, account=obj, expected_version=v),
    orderings=("name", "created_at", "updated_at"),
    default_ordering="name",
    prefetch=("groups", "tags"),
)

contacts = Resource(
    name="contact",
    model=Contact,
    out=s.ContactOut,
    create_in=s.ContactIn,
    patch_in=s.ContactPatch,
    filters=ContactFilter,
    create=lambda actor, data: services.contact_create(actor=actor, data=data),
    update=lambda actor, obj, data, v: services.contact_update(actor=actor, contact=obj, data=data, expected_version=v),
    delete=lambda actor, obj, v: services.contact_delete(actor=actor, contact=obj, expected_version=v),
    orderings=("last_name", "created_at", "updated_at"),
    default_ordering="last_name",
    prefetch=("tags",),
)

leads = Resource(
    name="lead",
    model=Lead,
    out=s.LeadOut,
    create_in=s.LeadIn,
    patch_in=s.LeadPatch,
    filters=LeadFilter,
    create=lambda actor, data: services.lead_create(actor=actor, data={"source": "api", **data}),
    update=lambda actor, obj, data, v: services.lead_update(actor=actor, lead=obj, data=data, expected_version=v),
    delete=lambda actor, obj, v: services.lead_delete(actor=actor, lead=obj, expected_version=v),
    orderings=("created_at", "updated_at", "title"),
    prefetch=("tags",),
    answer_create_from_instance=True,
)


def _deal_create(actor, data):
    contacts_in = data.pop("contacts", [])
    return services.deal_create(actor=actor, data=data, contacts=contacts_in)


deals = Resource(
    name="deal",
    model=Deal,
    out=s.DealOut,
    create_in=s.DealIn,
    patch_in=s.DealPatch,
    filters=DealFilter,
    create=_deal_create,
    update=lambda actor, obj, data, v: services.deal_update(actor=actor, deal=obj, data=data, expected_version=v),
    delete=lambda actor, obj, v: services.deal_delete(actor=actor, deal=obj, expected_version=v),
    orderings=("created_at", "updated_at", "name", "amount", "stage_changed_at"),
    prefetch=("tags", "contact_links"),
)

activities = Resource(
    name="activity",
    model=Activity,
    out=s.ActivityOut,
    create_in=s.ActivityIn,
    patch_in=s.ActivityPatch,
    filters=ActivityFilter,
    create=lambda actor, data: services.activity_create(actor=actor, data=data),
    update=lambda actor, obj, data, v: services.activity_update(actor=actor, activity=obj, data=data, expected_version=v),
    delete=lambda actor, obj, v: services.activity_delete(actor=actor, activity=obj, expected_version=v),
    orderings=("created_at", "updated_at"),
    prefetch=("participant_members", "participant_contacts"),
)

account_router = Router(tags=["accounts"])
contact_router = Router(tags=["contacts"])
lead_router = Router(tags=["leads"])
deal_router = Router(tags=["deals"])
activity_router = Router(tags=["activities"])

for router, resource in [
    (account_router, accounts),
    (contact_router, contacts),
    (lead_router, leads),
    (deal_router, deals),
    (activity_router, activities),
]:
    register(router, resource)


def _answer(resource: Resource, response: HttpResponse, obj):
    obj = resource.reload(obj)
    set_etag(response, obj)
    return obj


# --- Account actions ---------------------------------------------------------------------------


@account_router.post("/{int:record_id}/archive", response=s.AccountOut, operation_id="account_archive")
def account_archive(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    account = services.account_archive(actor=actor, account=get_visible(actor, Account, record_id), archived=True)
    return _answer(accounts, response, account)


@account_router.post("/{int:record_id}/unarchive", response=s.AccountOut, operation_id="account_unarchive")
def account_unarchive(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    account = services.account_archive(actor=actor, account=get_visible(actor, Account, record_id), archived=False)
    return _answer(accounts, response, account)


@account_router.put("/{int:record_id}/favourite", response={204: None}, operation_id="account_favourite")
def account_favourite(request: HttpRequest, record_id: int):
    actor = actor_of(request)
    services.account_favourite(actor=actor, account=get_visible(actor, Account, record_id), favourite=True)
    return 204, None


@account_router.delete("/{int:record_id}/favourite", response={204: None}, operation_id="account_unfavourite")
def account_unfavourite(request: HttpRequest, record_id: int):
    actor = actor_of(request)
    services.account_favourite(actor=actor, account=get_visible(actor, Account, record_id), favourite=False)
    return 204, None


# --- Contact actions ---------------------------------------------------------------------------


@contact_router.post("/{int:record_id}/anonymise", response=s.ContactOut, operation_id="contact_anonymise")
def contact_anonymise(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    contact = services.contact_anonymise(actor=actor, contact=get_visible(actor, Contact, record_id))
    return _answer(contacts, response, contact)


# --- Lead actions ------------------------------------------------------------------------------


class QualifiedOut(s.Schema):
    lead: s.LeadOut
    deal: s.DealOut
    account: s.AccountOut | None
    contact: s.ContactOut | None


@lead_router.post("/{int:record_id}/qualify", response=QualifiedOut, operation_id="lead_qualify")
def lead_qualify(request: HttpRequest, record_id: int, payload: s.LeadQualifyIn):
    actor = actor_of(request)
    result = services.lead_qualify(
        actor=actor, lead=get_visible(actor, Lead, record_id), expected_version=expected_version(request), **payload.model_dump()
    )
    return {
        "lead": leads.reload(result.lead),
        "deal": deals.reload(result.deal),
        "account": accounts.reload(result.account) if result.account else None,
        "contact": contacts.reload(result.contact) if result.contact else None,
    }


@lead_router.post("/{int:record_id}/disqualify", response=s.LeadOut, operation_id="lead_disqualify")
def lead_disqualify(request: HttpRequest, response: HttpResponse, record_id: int, payload: s.ReasonIn):
    actor = actor_of(request)
    lead = services.lead_disqualify(
        actor=actor, lead=get_visible(actor, Lead, record_id), reason=payload.reason, expected_version=expected_version(request)
    )
    return _answer(leads, response, lead)


@lead_router.post("/{int:record_id}/archive", response=s.LeadOut, operation_id="lead_archive")
def lead_archive(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    lead = services.lead_archive(actor=actor, lead=get_visible(actor, Lead, record_id), archived=True)
    return _answer(leads, response, lead)


@lead_router.post("/{int:record_id}/unarchive", response=s.LeadOut, operation_id="lead_unarchive")
def lead_unarchive(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    lead = services.lead_archive(actor=actor, lead=get_visible(actor, Lead, record_id), archived=False)
    return _answer(leads, response, lead)


# --- Deal actions ------------------------------------------------------------------------------


@deal_router.post("/{int:record_id}/move", response=s.DealOut, operation_id="deal_move")
def deal_move(request: HttpRequest, response: HttpResponse, record_id: int, payload: s.DealMoveIn):
    actor = actor_of(request)
    deal = services.deal_move(
        actor=actor,
        deal=get_visible(actor, Deal, record_id),
        stage=payload.stage,
        pipeline=payload.pipeline,
        expected_version=expected_version(request),
    )
    return _answer(deals, response, deal)


@deal_router.post("/{int:record_id}/won", response=s.DealOut, operation_id="deal_mark_won")
def deal_mark_won(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    deal = services.deal_mark_won(actor=actor, deal=get_visible(actor, Deal, record_id), expected_version=expected_version(request))
    return _answer(deals, response, deal)


@deal_router.post("/{int:record_id}/lost", response=s.DealOut, operation_id="deal_mark_lost")
def deal_mark_lost(request: HttpRequest, response: HttpResponse, record_id: int, payload: s.ReasonIn):
    actor = actor_of(request)
    deal = services.deal_mark_lost(
        actor=actor, deal=get_visible(actor, Deal, record_id), reason=payload.reason, expected_version=expected_version(request)
    )
    return _answer(deals, response, deal)


@deal_router.post("/{int:record_id}/reopen", response=s.DealOut, operation_id="deal_reopen")
def deal_reopen(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    deal = services.deal_reopen(actor=actor, deal=get_visible(actor, Deal, record_id), expected_version=expected_version(request))
    return _answer(deals, response, deal)


@deal_router.post("/{int:record_id}/contacts", response=s.DealOut, operation_id="deal_contact_link")
def deal_contact_link(request: HttpRequest, response: HttpResponse, record_id: int, payload: s.DealContactIn):
    actor = actor_of(request)
    deal = get_visible(actor, Deal, record_id)
    services.deal_contact_link(actor=actor, deal=deal, contact_id=payload.contact, role=payload.role)
    return _answer(deals, response, deal)


@deal_router.delete("/{int:record_id}/contacts/{int:contact_id}", response=s.DealOut, operation_id="deal_contact_unlink")
def deal_contact_unlink(request: HttpRequest, response: HttpResponse, record_id: int, contact_id: int):
    actor = actor_of(request)
    deal = get_visible(actor, Deal, record_id)
    services.deal_contact_unlink(actor=actor, deal=deal, contact_id=contact_id)
    return _answer(deals, response, deal)


@deal_router.get("/{int:record_id}/stage-changes", response=list[s.StageChangeOut], operation_id="deal_stage_changes")
def deal_stage_changes(request: HttpRequest, record_id: int):
    deal = get_visible(actor_of(request), Deal, record_id)
    return list(deal.stage_changes.order_by("changed_at", "id"))


# --- Activity actions --------------------------------------------------------------------------


@activity_router.post("/{int:record_id}/complete", response=s.ActivityOut, operation_id="activity_complete")
def activity_complete(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    activity = services.activity_complete(
        actor=actor, activity=get_visible(actor, Activity, record_id), done=True, expected_version=expected_version(request)
    )
    return _answer(activities, response, activity)


@activity_router.post("/{int:record_id}/reopen", response=s.ActivityOut, operation_id="activity_reopen")
def activity_reopen(request: HttpRequest, response: HttpResponse, record_id: int):
    actor = actor_of(request)
    activity = services.activity_complete(
        actor=actor, activity=get_visible(actor, Activity, record_id), done=False, expected_version=expected_version(request)
    )
    return _answer(activities, response, activity)

