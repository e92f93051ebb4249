"""Request and response shapes of the REST API.

Inputs forbid unknown fields and bound every string and number to what the database stores, so
bad input is a 422 with per-field messages before a service is even called. Update bodies are the
create bodies with every field optional (PATCH semantics: only what is sent changes).
"""

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, create_model

MAX_ID = 2**63 - 1


# How deep a JSON value (custom fields) may nest: deeper input only serves to exhaust the stack.
MAX_JSON_DEPTH = 20


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text may not contain NUL characters.")
    return value


def _in_utc(value: dt.datetime) -> dt.datetime:
    # The databases store UTC: 0001-01-01T00:00+05:00 exists in Python but not in UTC, and
    # PostgreSQL refuses offsets beyond ±15:59 that Python accepts, so moments travel in UTC.
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("Give a moment between the years 1 and 9999 (UTC).") from None


def _storable_json(value: Any) -> Any:
    """Refuse what a JSON column cannot store: NUL, lone surrogates, NaN and infinities, deep nesting."""
    pending = [(value, 1)]
    while pending:  # a loop, not recursion, so any depth fails cleanly
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"Values may nest at most {MAX_JSON_DEPTH} levels deep.")
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("Text may not contain NUL characters.")
            try:
                item.encode()
            except UnicodeEncodeError:
                raise ValueError("Text must be valid Unicode.") from None
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("Numbers must be finite.")
        elif isinstance(item, dict):
            pending.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            pending.extend((part, depth + 1) for part in item)
    return value


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - reads as a type
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc)]
JsonValue = Annotated[Any, AfterValidator(_storable_json)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Percent = Annotated[int, Field(ge=0, le=100)]
Position = Annotated[int, Field(ge=0, le=100_000)]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")]
Phone = Annotated[str, Field(max_length=40, pattern=r"^\+?[0-9 ()./-]{3,40}$")]
# Optional text fields take "" for "none"; one pattern (not a union) keeps errors on the field itself.
EmailOrBlank = Annotated[str, Field(max_length=254, pattern=r"^([^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+)?$")]
PhoneOrBlank = Annotated[str, Field(max_length=40, pattern=r"^(\+?[0-9 ()./-]{3,40})?$")]
CurrencyOrBlank = Annotated[str, Field(pattern=r"^([A-Z]{3})?$")]
CustomValues = dict[Text(60, 1), JsonValue]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


# PATCH bodies: every field defaults to None, which only marks it "not sent" (model_dump with
# exclude_unset leaves it out). A null the client sends is validated like any value, so it is
# refused wherever the create body refuses it: a text column cannot be set to NULL by PATCH.


def partial(schema: type[Schema], name: str) -> type[Schema]:
    """The same body with every field optional, for PATCH: what is left out stays as it is."""
    fields = {
        key: (Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation, None)
        for key, field in schema.model_fields.items()
    }
    return create_model(name, __base__=In, **fields)


class Page(Schema):
    next_cursor: str | None = None
    next_offset: int | None = None


class RecordOut(Schema):
    id: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: int | None = Field(None, alias="created_by_id")
    custom: dict[str, Any]


def _ids(manager_name: str):
    def resolve(obj) -> list[int]:
        return [related.pk for related in getattr(obj, manager_name).all()]

    return staticmethod(resolve)


# --- Accounts ---------------------------------------------------------------------------------

AccountKind = Literal["person", "company", "other"]


class AccountIn(In):
    kind: AccountKind = "company"
    account_type: Id | None = None
    name: Text(200) = ""
    first_name: Text(100) = ""
    last_name: Text(100) = ""
    organisation: Text(200) = ""
    emails: list[Email] = Field(default_factory=list, max_length=10)
    phones: list[Phone] = Field(default_factory=list, max_length=10)
    street: Text(200) = ""
    city: Text(100) = ""
    postcode: Text(20) = ""
    country: Annotated[str, Field(pattern=r"^([A-Z]{2})?$")] = ""
    registration_number: Text(40) = ""
    vat_number: Text(40) = ""
    industry: Text(80) = ""
    website: Text(200) = ""
    owner: Id | None = None
    parent: Id | None = None
    groups: list[Id] = Field(default_factory=list, max_length=50)
    tags: list[Id] = Field(default_factory=list, max_length=50)
    is_global: bool = False
    is_private: bool = False
    comment: Text(10_000) = ""
    custom: CustomValues = Field(default_factory=dict)


AccountPatch = partial(AccountIn, "AccountPatch")


class AccountOut(RecordOut):
    kind: str
    account_type: int | None = Field(None, alias="account_type_id")
    name: str
    first_name: str
    last_name: str
    organisation: str
    emails: list[str]
    phones: list[str]
    street: str
    city: str
    postcode: str
    country: str
    registration_number: str
    vat_number: str
    industry: str
    website: str
    owner: int | None = Field(None, alias="owner_id")
    parent: int | None = Field(None, alias="parent_id")
    groups: list[int]
    tags: list[int]
    is_global: bool
    is_private: bool
    comment: str
    archived_at: dt.datetime | None

    resolve_groups = _ids("groups")
    resolve_tags = _ids("tags")


# --- Contacts ---------------------------------------------------------------------------------


class ContactIn(In):
    first_name: Text(100) = ""
    last_name: Text(100, 1)
    contact_type: Text(60) = ""
    job_title: Text(120) = ""
    account: Id | None = None
    emails: list[Email] = Field(default_factory=list, max_length=10)
    phones: list[Phone] = Field(default_factory=list, max_length=10)
    messengers: dict[Text(30, 1), Text(200)] = Field(default_factory=dict, max_length=10)
    owner: Id | None = None
    consent_email: bool = False
    consent_phone: bool = False
    tags: list[Id] = Field(default_factory=list, max_length=50)
    custom: CustomValues = Field(default_factory=dict)


ContactPatch = partial(ContactIn, "ContactPatch")


class ContactOut(RecordOut):
    first_name: str
    last_name: str
    contact_type: str
    job_title: str
    account: int | None = Field(None, alias="account_id")
    emails: list[str]
    phones: list[str]
    messengers: dict[str, Any]
    owner: int | None = Field(None, alias="owner_id")
    consent_email: bool
    consent_phone: bool
    tags: list[int]
    anonymised_at: dt.datetime | None

    resolve_tags = _ids("tags")


# --- Leads ------------------------------------------------------------------------------------

LeadSource = Literal["email", "chat", "phone", "web_form", "import", "api", "manual"]
LeadOpenStatus = Literal["new", "working", "nurturing"]
LeadPriority = Literal["low", "normal", "high"]


class LeadIn(In):
    title: Text(200, 1)
    first_name: Text(100) = ""
    last_name: Text(100) = ""
    company: Text(200) = ""
    email: EmailOrBlank = ""
    phone: PhoneOrBlank = ""
    source: LeadSource = "api"
    status: LeadOpenStatus = "new"
    priority: LeadPriority = "normal"
    owner: Id | None = None
    account: Id | None = None
    budget: Money | None = None
    currency: CurrencyOrBlank = ""
    description: Text(10_000) = ""
    tags: list[Id] = Field(default_factory=list, max_length=50)
    custom: CustomValues = Field(default_factory=dict)


LeadPatch = partial(LeadIn, "LeadPatch")


class LeadOut(RecordOut):
    title: str
    first_name: str
    last_name: str
    company: str
    email: str
    phone: str
    source: str
    status: str
    priority: str
    disqualify_reason: str
    owner: int | None = Field(None, alias="owner_id")
    account: int | None = Field(None, alias="account_id")
    deal: int | None = Field(None, alias="deal_id")
    budget: Decimal | None
    currency: str
    description: str
    tags: list[int]
    archived_at: dt.datetime | None

    resolve_tags = _ids("tags")


class LeadQualifyIn(In):
    pipeline: Id | None = None
    deal_name: Text(200, 1) | None = None
    amount: Money | None = None
    account: Id | None = None
    create_contact: bool = True


class ReasonIn(In):
    reason: Text(200, 1)


# --- Deals ------------------------------------------------------------------------------------


class DealContactIn(In):
    contact: Id
    role: Text(80) = ""


class DealIn(In):
    name: Text(200, 1)
    pipeline: Id
    stage: Id | None = None
    account: Id | None = None
    amount: Money = Decimal(0)
    currency: Currency | None = None
    expected_close: dt.date | None = None
    owner: Id | None = None
    source: Text(40) = ""
    tags: list[Id] = Field(default_factory=list, max_length=50)
    contacts: list[DealContactIn] = Field(default_factory=list, max_length=50)
    custom: CustomValues = Field(default_factory=dict)


class DealPatch(In):
    # Stage, pipeline and status change only through the move / won / lost / reopen actions.
    name: Text(200, 1) = None
    account: Id | None = None
    amount: Money = None
    currency: Currency = None
    expected_close: dt.date | None = None
    owner: Id | None = None
    source: Text(40) = None
    tags: list[Id] = Field(None, max_length=50)
    custom: CustomValues = None


class DealContactOut(Schema):
    contact: int = Field(alias="contact_id")
    role: str


class DealOut(RecordOut):
    name: str
    account: int | None = Field(None, alias="account_id")
    pipeline: int = Field(alias="pipeline_id")
    stage: int = Field(alias="stage_id")
    status: str
    lost_reason: str
    amount: Decimal
    currency: str
    expected_close: dt.date | None
    owner: int | None = Field(None, alias="owner_id")
    source: str
    tags: list[int]
    contacts: list[DealContactOut]
    stage_changed_at: dt.datetime
    closed_at: dt.datetime | None
    is_locked: bool

    resolve_tags = _ids("tags")

    @staticmethod
    def resolve_contacts(obj) -> list[Any]:
        return list(obj.contact_links.all())


class DealMoveIn(In):
    stage: Id | None = None
    pipeline: Id | None = None


class StageChangeOut(Schema):
    id: int
    from_stage: int | None = Field(None, alias="from_stage_id")
    to_stage: int = Field(alias="to_stage_id")
    from_status: str
    to_status: str
    pipeline: int = Field(alias="pipeline_id")
    amount: Decimal
    currency: str
    changed_at: dt.datetime
    actor: int | None = Field(None, alias="actor_id")


# --- Activities -------------------------------------------------------------------------------

ActivityKind = Literal["task", "call", "meeting", "email", "message", "note"]


class ActivityIn(In):
    kind: ActivityKind
    subject: Text(300, 1)
    body: Text(50_000) = ""
    owner: Id | None = None
    due_at: Moment | None = None
    done_at: Moment | None = None
    direction: Literal["", "inbound", "outbound"] = ""
    duration_minutes: Annotated[int, Field(ge=0, le=100_000)] | None = None
    category: Text(60) = ""
    recording_url: Annotated[str, Field(max_length=500, pattern=r"^(https?://\S+)?$")] = ""
    account: Id | None = None
    contact: Id | None = None
    lead: Id | None = None
    deal: Id | None = None
    participant_members: list[Id] = Field(default_factory=list, max_length=100)
    participant_contacts: list[Id] = Field(default_factory=list, max_length=100)
    custom: CustomValues = Field(default_factory=dict)


ActivityPatch = partial(ActivityIn, "ActivityPatch")


class ActivityOut(RecordOut):
    kind: str
    subject: str
    body: str
    owner: int | None = Field(None, alias="owner_id")
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    direction: str
    duration_minutes: int | None
    category: str
    recording_url: str
    account: int | None = Field(None, alias="account_id")
    contact: int | None = Field(None, alias="contact_id")
    lead: int | None = Field(None, alias="lead_id")
    deal: int | None = Field(None, alias="deal_id")
    participant_members: list[int]
    participant_contacts: list[int]

    resolve_participant_members = _ids("participant_members")
    resolve_participant_contacts = _ids("participant_contacts")


# --- Settings ---------------------------------------------------------------------------------


class StageIn(In):
    name: Text(100, 1)
    probability: Percent = 10
    position: Position | None = None  # none: after the last stage


class StagePatch(In):
    name: Text(100, 1) = None
    probability: Percent = None
    position: Position = None


class StageOut(Schema):
    id: int
    pipeline: int = Field(alias="pipeline_id")
    name: str
    position: int
    probability: int


class PipelineIn(In):
    name: Text(100, 1)
    position: Position | None = None
    is_active: bool = True
    stages: list[StageIn] = Field(default_factory=list, max_length=30)


class PipelinePatch(In):
    name: Text(100, 1) = None
    position: Position = None
    is_active: bool = None


class PipelineOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj) -> list[Any]:
        return list(obj.stages.all())


CustomFieldKind = Literal["text", "number", "money", "date", "choice", "multi_choice", "user", "link", "boolean"]
RecordType = Literal["account", "contact", "lead", "deal", "activity"]


class CustomFieldIn(In):
    record_type: RecordType
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
    label: Text(100, 1)
    field_type: CustomFieldKind
    required: bool = False
    choices: list[Text(100, 1)] = Field(default_factory=list, max_length=200)
    position: Position = 0


class CustomFieldPatch(In):
    label: Text(100, 1) = None
    required: bool = None
    choices: list[Text(100, 1)] = Field(None, max_length=200)
    position: Position = None


class CustomFieldOut(Schema):
    id: int
    record_type: str
    key: str
    label: str
    field_type: str
    required: bool
    choices: list[str]
    position: int


class TagIn(In):
    name: Text(60, 1)
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#64748b"


TagPatch = partial(TagIn, "TagPatch")


class TagOut(Schema):
    id: int
    name: str
    color: str


class MemberOut(Schema):
    id: int
    name: str = Field(alias="display_name")
    email: str
    role: str
    is_admin: bool
    manager: int | None = Field(None, alias="manager_id")
    title: str
    is_active: bool

    @staticmethod
    def resolve_email(obj) -> str:
        return obj.user.email

    @staticmethod
    def resolve_role(obj) -> str:
        return obj.role.name


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    time_zone: str
    base_currency: str


class MeOut(Schema):
    member: MemberOut
    workspace: WorkspaceOut
    permissions: dict[str, dict[str, str]]


class EventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor: int | None = Field(None, alias="actor_id")
    actor_kind: str
    actor_name: str
    object_type: str
    object_id: int
    object_name: str
    event_type: str
    field: str
    before: Any = None
    after: Any = None
