"""The benchmark's scenarios: what a user does, as the HTTP requests the browser or a client sends.

Each scenario is a list of requests (rotated through, so a detail scenario visits 500 different
deals), sent as an administrator or as a seller (role scope "own": the seller sees their own
deals, leads and activities and every account and contact). The dashboard is a compound
scenario: one load is every widget of the catalogue for the month, fetched six at a time as a
browser does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction

from rapport.analytics.widgets import catalogue
from rapport.api.paging import _encode
from rapport.events.models import Event
from rapport.records.models import Deal, DealStatus, Lead, Pipeline, Stage
from rapport.workspaces.models import ApiToken, Member, Workspace
from rapport.workspaces.services import token_create

# What people type: whole words, word beginnings and typos, in names, companies and subjects.
SEARCH_TERMS = ["Nordik Logistcs", "Kowalski", "Vertex Robotics", "alpine", "Garsia", "silver pharma", "Wiśniewski", "proposal", "Lewandowsky", "quantum"]
PAGE_SIZE = 50
# The title of every lead the creation scenario makes (runner.lead_body), removed after the run.
CREATED_LEAD_PREFIX = "Benchmark enquiry "
DEEP_PAGE = 1000


@dataclass
class Actor:
    label: str
    member: Member
    token: str
    session: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"sessionid={self.session}"}


@dataclass
class Scenario:
    """Requests of one kind, as one member; `target` names the requirement it is held to."""

    name: str
    actor: Actor
    paths: list[str]
    web: bool  # a page with the session cookie, else the API with the bearer token
    target: str  # list | deep | detail | kanban | search | events | dashboard | create
    method: str = "GET"
    widgets: list[str] = field(default_factory=list)  # dashboard: the widget paths of one load

    @property
    def headers(self) -> dict[str, str]:
        return self.actor.cookie if self.web else self.actor.bearer


@dataclass
class Context:
    workspace: Workspace
    admin: Actor
    seller: Actor
    pipeline: Pipeline
    stages: list[Stage]
    token_ids: list[int]

    @classmethod
    def prepare(cls, slug: str) -> Context:
        try:
            workspace = Workspace.objects.get(slug=slug)
        except Workspace.DoesNotExist:
            raise SystemExit(f"No workspace {slug!r} in this database: build it first with `./rapport bench generate`.") from None
        members = Member.objects.filter(workspace=workspace).select_related("user", "role")
        admin = next(m for m in members if m.role.is_admin)
        seller = next(m for m in members if m.user.username.startswith("seller1@"))
        token_ids: list[int] = []

        def actor(label: str, member: Member) -> Actor:
            with transaction.atomic():
                token, key = token_create(actor=None, member=member, name="benchmark")
            token_ids.append(token.pk)
            return Actor(label, member, key, _session(member))

        pipeline = Pipeline.objects.filter(workspace=workspace).order_by("position", "id").first()
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id"))
        return cls(workspace, actor("admin", admin), actor("seller", seller), pipeline, stages, token_ids)

    def describe(self) -> str:
        counts = {}
        with connection.cursor() as cursor:
            for table, label in (("records_account", "accounts"), ("records_contact", "contacts"), ("records_lead", "leads"), ("records_deal", "deals"),
                                 ("records_activity", "activities"), ("events_event", "events")):
                cursor.execute(f"SELECT count(*) FROM {table} WHERE workspace_id = %s", [self.workspace.pk])
                counts[label] = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM workspaces_workspace")
            workspaces = cursor.fetchone()[0]
        return ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f"; {workspaces} workspaces in the database"

    def cleanup(self) -> None:
        """Take out what the run added: its tokens, and the leads the creation scenario made with
        their events, so that every run measures the same dataset."""
        ApiToken.objects.filter(pk__in=self.token_ids).delete()
        created = Lead.objects.filter(workspace=self.workspace, title__startswith=CREATED_LEAD_PREFIX)
        ids = list(created.values_list("id", flat=True))
        with transaction.atomic():
            Event.objects.filter(workspace=self.workspace, object_type="lead", object_id__in=ids).delete()
            created.delete()
        if connection.vendor == "postgresql":
            # Until a vacuum marks the lead pages all-visible again, the lead figures that read
            # an index alone visit the table too: the next run would start slower.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) records_lead, events_event")


def _session(member: Member) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(member.user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
    session["rapport_workspace_id"] = member.workspace_id
    session.create()
    return session.session_key


def _sample_deals(ctx: Context, member: Member | None, count: int, rng: random.Random) -> list[int]:
    """Deals spread over the whole table (all of one member's, or a sample of everyone's)."""
    deals = Deal.objects.filter(workspace=ctx.workspace)
    if member is not None:
        ids = list(deals.filter(owner=member).values_list("id", flat=True))
        rng.shuffle(ids)
        return ids[:count]
    low = deals.order_by("id").values_list("id", flat=True).first()
    high = deals.order_by("-id").values_list("id", flat=True).first()
    picks = {rng.randint(low, high) for _ in range(count * 2)}
    found = list(deals.filter(id__in=picks).values_list("id", flat=True)[:count])
    rng.shuffle(found)
    return found


def deep_cursor(ctx: Context, member: Member | None, page: int) -> tuple[str | None, int]:
    """The cursor the list hands out at the end of page `page - 1` of the won deals of the
    pipeline by amount (the deepest page there is, up to `page`), and that page's number."""
    deals = Deal.objects.filter(workspace=ctx.workspace, pipeline=ctx.pipeline, status=DealStatus.WON)
    if member is not None:
        deals = deals.filter(owner=member)
    total = deals.count()
    page = max(1, min(page, (total - 1) // PAGE_SIZE + 1))
    if page == 1:
        return None, 1
    row = deals.order_by("-amount", "-id").values_list("amount", "id")[(page - 1) * PAGE_SIZE - 1]
    return _encode(["records.deal", "-amount", row[0], row[1]]), page


def build(ctx: Context, seed: int = 7) -> list[Scenario]:
    rng = random.Random(seed)
    scenarios: list[Scenario] = []
    widgets = catalogue()
    for actor in (ctx.admin, ctx.seller):
        who = actor.label
        member = actor.member if who == "seller" else None
        filters = {"pipeline": ctx.pipeline.pk, "status": "won", "ordering": "-amount"}
        cursor, page = deep_cursor(ctx, member, DEEP_PAGE)
        deals = _sample_deals(ctx, member, 500, rng)
        seller_id = ctx.seller.member.pk
        scenarios += [
            Scenario(f"{who}: deal list, page 1 (web)", actor, [f"/deals/?{urlencode(filters)}"], True, "list"),
            Scenario(f"{who}: deal list, page 1 (API)", actor, [f"/api/v1/deals?{urlencode({**filters, 'limit': PAGE_SIZE})}"], False, "list"),
        ]
        if cursor:
            scenarios += [
                Scenario(f"{who}: deal list, page {page} (web)", actor, [f"/deals/?{urlencode({**filters, 'cursor': cursor})}"], True, "deep"),
                Scenario(f"{who}: deal list, page {page} (API)", actor, [f"/api/v1/deals?{urlencode({**filters, 'limit': PAGE_SIZE, 'cursor': cursor})}"], False, "deep"),
            ]
        scenarios += [
            Scenario(f"{who}: kanban board (web)", actor, [f"/deals/board/?pipeline={ctx.pipeline.pk}"], True, "kanban"),
            Scenario(f"{who}: kanban column cards (web)", actor, [f"/deals/board/stages/{s.pk}/cards/?pipeline={ctx.pipeline.pk}" for s in ctx.stages], True, "kanban"),
            Scenario(f"{who}: deal detail + timeline (web)", actor, [f"/deals/{d}/" for d in deals], True, "detail"),
            Scenario(f"{who}: deal detail (API)", actor, [f"/api/v1/deals/{d}" for d in deals], False, "detail"),
            Scenario(f"{who}: deal activities (API)", actor, [f"/api/v1/activities?deal={d}" for d in deals], False, "detail"),
            Scenario(f"{who}: global search (web)", actor, [f"/search/?q={quote(t)}" for t in SEARCH_TERMS], True, "search"),
            Scenario(f"{who}: global search (API)", actor, [f"/api/v1/search?q={quote(t)}" for t in SEARCH_TERMS], False, "search"),
            Scenario(f"{who}: events by user (web)", actor, [f"/events/?user={seller_id}"], True, "events"),
            Scenario(f"{who}: events by user (API)", actor, [f"/api/v1/events?user={seller_id}&limit={PAGE_SIZE}"], False, "events"),
            Scenario(
                f"{who}: dashboard, month ({len(widgets)} widgets)", actor, [], False, "dashboard",
                widgets=[
                    f"/api/v1/dashboard/widgets/{w['key']}?period=month" + (f"&pipeline={ctx.pipeline.pk}" if w["uses_pipeline"] else "")
                    for w in widgets
                ],
            ),
        ]
    scenarios.append(Scenario("admin: create a lead (API)", ctx.admin, ["/api/v1/leads"], False, "create", method="POST"))
    return scenarios
