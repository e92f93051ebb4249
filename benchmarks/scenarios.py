"""The benchmark's scenarios: what a user does, the HTTP requests for it, and its SQL floor."""

from __future__ import annotations

import asyncio
import base64
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from rapport.records.models import Deal, Pipeline
from rapport.workspaces.models import ApiToken, Member, Workspace
from rapport.workspaces.services import token_create

SEARCH_TERMS = ["Nordik Logistcs", "Globl Analytcs", "Kowalsky", "Vertx Robotic", "Alpin Foods", "Garsia", "Silvr Pharma"]
DASHBOARD_WIDGETS = ["pipeline_dynamics", "tasks", "lead_sources", "leads_per_user", "goals", "activity", "forecast", "calls", "notes", "won_deals", "usage", "nps", "messages", "response_time"]


@dataclass
class Actor:
    member: Member
    token: str
    session: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def cookies(self) -> dict[str, str]:
        return {"sessionid": self.session}


@dataclass
class Context:
    workspace: Workspace
    admin: Actor
    seller: Actor
    pipeline_id: int
    deal_ids: list[int]
    seller_deal_ids: list[int]
    page_1000_cursor: str | None
    rng: random.Random
    token_ids: list[int]

    @classmethod
    def prepare(cls, slug: str, rng: random.Random) -> Context:
        try:
            workspace = Workspace.objects.get(slug=slug)
        except Workspace.DoesNotExist:
            raise SystemExit(f"no workspace {slug!r}: build it first with `./rapport bench generate`") from None
        members = Member.objects.filter(workspace=workspace).select_related("user", "role")
        admin = next(m for m in members if m.role.is_admin)
        seller = next(m for m in members if m.user.username.startswith("seller1@"))
        token_ids = []

        def actor(member: Member) -> Actor:
            token, key = _token(member)
            token_ids.append(token.pk)
            return Actor(member, key, _session(member))

        pipeline = Pipeline.objects.filter(workspace=workspace).order_by("position").first()
        deals = Deal.objects.filter(workspace=workspace)
        deal_ids = list(deals.order_by("?").values_list("id", flat=True)[:500]) if connection.vendor == "sqlite" else _sample_ids(deals, 500, rng)
        seller_deal_ids = list(deals.filter(owner=seller).values_list("id", flat=True)[:500])
        cursor = _page_cursor(workspace.pk, pipeline.pk, page=1000, size=50)
        return cls(workspace, actor(admin), actor(seller), pipeline.pk, deal_ids, seller_deal_ids, cursor, rng, token_ids)

    def describe(self) -> str:
        counts = {}
        with connection.cursor() as cursor:
            for table in ("records_account", "records_contact", "records_deal", "records_activity", "events_event"):
                cursor.execute(f"SELECT count(*) FROM {table} WHERE workspace_id = %s", [self.workspace.pk])
                counts[table.split("_", 1)[1]] = cursor.fetchone()[0]
        return ", ".join(f"{v:,} {k}s" for k, v in counts.items())

    def cleanup(self) -> None:
        ApiToken.objects.filter(pk__in=self.token_ids).delete()


def _token(member: Member):
    from django.db import transaction

    with transaction.atomic():
        return token_create(actor=None, member=member, name="benchmark")


def _session(member: Member) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(member.user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
    session["rapport_workspace_id"] = member.workspace_id
    session.create()
    return session.session_key


def _sample_ids(qs, count: int, rng: random.Random) -> list[int]:
    low, high = qs.order_by("id").values_list("id", flat=True).first(), qs.order_by("-id").values_list("id", flat=True).first()
    picks = {rng.randint(low, high) for _ in range(count * 2)}
    return list(qs.filter(id__in=picks).values_list("id", flat=True)[:count])


def _page_cursor(workspace_id: int, pipeline_id: int, *, page: int, size: int) -> str | None:
    """The cursor the API would hand out at the end of page `page - 1` of the deal list below."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT amount, id FROM records_deal WHERE workspace_id = %s AND pipeline_id = %s AND status = 'open' "
            "ORDER BY amount DESC, id DESC LIMIT 1 OFFSET %s",
            [workspace_id, pipeline_id, (page - 1) * size - 1],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    raw = json.dumps([str(row[0]), row[1]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


Call = Callable[[httpx.AsyncClient, Context, int], Awaitable[list[int]]]
Floor = Callable[[Context, int], list[tuple[str, list]]]


@dataclass
class Scenario:
    name: str
    call: Call
    floor_sql: Floor | None = None
    writes: bool = False


def get(path: Callable[[Context, int], str], who: str = "admin", session: bool = False) -> Call:
    async def call(client: httpx.AsyncClient, ctx: Context, i: int) -> list[int]:
        actor = getattr(ctx, who)
        response = await client.get(path(ctx, i), headers=None if session else actor.headers(), cookies=actor.cookies() if session else None)
        return [response.status_code]

    return call


def deal_list_sql(ctx: Context, i: int, owner: int | None = None, cursor: bool = False) -> list[tuple[str, list]]:
    where = "workspace_id = %s AND pipeline_id = %s AND status = 'open'"
    params: list = [ctx.workspace.pk, ctx.pipeline_id]
    if owner is not None:
        where += " AND owner_id = %s"
        params.append(owner)
    if cursor and ctx.page_1000_cursor:
        amount, last = json.loads(base64.urlsafe_b64decode(ctx.page_1000_cursor + "=" * (-len(ctx.page_1000_cursor) % 4)))
        where += " AND (amount < %s OR (amount = %s AND id < %s))"
        params += [amount, amount, last]
    return [(f"SELECT * FROM records_deal WHERE {where} ORDER BY amount DESC, id DESC LIMIT 51", params)]


def build_scenarios() -> list[Scenario]:
    deals_path = "/api/v1/deals?pipeline={p}&status=open&ordering=-amount&limit=50"

    async def dashboard(client: httpx.AsyncClient, ctx: Context, i: int, who: str = "admin") -> list[int]:
        actor = getattr(ctx, who)
        responses = await asyncio.gather(
            *(client.get(f"/api/v1/dashboard/widgets/{key}?period=month&pipeline={ctx.pipeline_id}", headers=actor.headers()) for key in DASHBOARD_WIDGETS)
        )
        return [r.status_code for r in responses]

    async def create_lead(client: httpx.AsyncClient, ctx: Context, i: int) -> list[int]:
        body = {"title": f"Benchmark enquiry {ctx.rng.random():.8f}", "email": f"lead{i}@example.net", "company": "Benchmark Ltd"}
        response = await client.post("/api/v1/leads", json=body, headers=ctx.admin.headers())
        return [response.status_code]

    def scenarios_for(who: str) -> list[Scenario]:
        owner = (lambda ctx: None) if who == "admin" else (lambda ctx: ctx.seller.member.pk)
        ids = (lambda ctx: ctx.deal_ids) if who == "admin" else (lambda ctx: ctx.seller_deal_ids or ctx.deal_ids)
        return [
            Scenario(f"{who}: deal list, page 1", get(lambda ctx, i: deals_path.format(p=ctx.pipeline_id), who),
                     lambda ctx, i: deal_list_sql(ctx, i, owner(ctx))),
            Scenario(f"{who}: deal list, page 1000", get(lambda ctx, i: deals_path.format(p=ctx.pipeline_id) + f"&cursor={ctx.page_1000_cursor}", who),
                     lambda ctx, i: deal_list_sql(ctx, i, owner(ctx), cursor=True)),
            Scenario(f"{who}: kanban board", get(lambda ctx, i: f"/deals/board/{ctx.pipeline_id}/", who, session=True),
                     lambda ctx, i: [("SELECT stage_id, count(*), sum(amount) FROM records_deal WHERE workspace_id = %s AND pipeline_id = %s AND status = 'open'"
                                      + (" AND owner_id = %s" if owner(ctx) else "") + " GROUP BY stage_id",
                                      [ctx.workspace.pk, ctx.pipeline_id] + ([owner(ctx)] if owner(ctx) else []))]),
            Scenario(f"{who}: deal detail with timeline", get(lambda ctx, i: f"/deals/{ids(ctx)[i % len(ids(ctx))]}/", who, session=True),
                     lambda ctx, i: [("SELECT * FROM records_deal WHERE workspace_id = %s AND id = %s", [ctx.workspace.pk, ids(ctx)[i % len(ids(ctx))]]),
                                     ("SELECT * FROM records_activity WHERE deal_id = %s ORDER BY created_at DESC LIMIT 50", [ids(ctx)[i % len(ids(ctx))]])]),
            Scenario(f"{who}: deal detail (API)", get(lambda ctx, i: f"/api/v1/deals/{ids(ctx)[i % len(ids(ctx))]}", who),
                     lambda ctx, i: [("SELECT * FROM records_deal WHERE workspace_id = %s AND id = %s", [ctx.workspace.pk, ids(ctx)[i % len(ids(ctx))]])]),
            Scenario(f"{who}: global search", get(lambda ctx, i: f"/api/v1/search?q={SEARCH_TERMS[i % len(SEARCH_TERMS)]}", who), None),
            Scenario(f"{who}: events by user", get(lambda ctx, i: f"/api/v1/events?user={ctx.seller.member.pk}&limit=50", who),
                     lambda ctx, i: [("SELECT * FROM events_event WHERE workspace_id = %s AND actor_id = %s ORDER BY occurred_at DESC, id DESC LIMIT 51",
                                      [ctx.workspace.pk, ctx.seller.member.pk])]),
            Scenario(f"{who}: dashboard, month", lambda client, ctx, i: dashboard(client, ctx, i, who), None),
        ]

    return [
        *scenarios_for("admin"),
        *scenarios_for("seller"),
        Scenario("api: create lead", create_lead,
                 lambda ctx, i: [("INSERT INTO records_lead (workspace_id, version, created_at, updated_at, custom, title, first_name, last_name, company, email, phone, source, status, priority, disqualify_reason, currency, description) "
                                  "VALUES (%s, 1, now(), now(), '{}', 'floor', '', '', '', '', '', 'api', 'new', 'normal', '', '', '') RETURNING id", [ctx.workspace.pk])] if connection.vendor == "postgresql" else [],
                 writes=True),
    ]
