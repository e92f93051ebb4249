"""Every web page and API endpoint answers a GET in at most 15 SQL queries, on demo data.

The pages are discovered, not listed: every route of the URL resolver and every GET operation of
the API's OpenAPI document is visited, as an administrator and as a seller, with its path
parameters filled from the demo workspace (a parameter name the walker does not know fails the
test, so a new kind of route is noticed rather than skipped). A few query-string variants ride
along: every column of a list, page two, each dashboard widget for the month and in time travel,
filtered events, searches.

Counted: the statements a request sends. Not counted: SAVEPOINT / RELEASE statements, which
exist only because each test runs inside a transaction (outside tests they are BEGIN / COMMIT
of the request's own transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from rapport.analytics.widgets import REGISTRY, compute
from rapport.api.urls import api
from rapport.core.management.demo import build_demo
from rapport.dashboard.models import Baseline
from rapport.dashboard.services import baseline_create, layout_save
from rapport.intake.models import Conversation
from rapport.records import services
from rapport.records.models import (
    Account,
    Activity,
    Attachment,
    Contact,
    Deal,
    DealContact,
    Lead,
    Pipeline,
    SavedFilter,
    Stage,
)
from rapport.records.services.savedfilters import saved_filter_create
from rapport.workspaces.models import ExchangeRate, Member
from rapport.workspaces.permissions import visible_to
from rapport.workspaces.services import token_create

QUERY_BUDGET = 15
# Routes a GET cannot measure, with the reason.
NOT_VISITED = {
    "stream/": "an endless server-sent-events stream (tests/web covers its queries per event)",
}
# Statements of the test's own transaction, not of the request.
NOT_COUNTED = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.IGNORECASE)
MODELS = {"accounts": Account, "contacts": Contact, "leads": Lead, "deals": Deal, "activities": Activity}
RECORD_TYPES = {"accounts": "account", "contacts": "contact", "leads": "lead", "deals": "deal", "activities": "activity"}
EVERY_COLUMN = {
    "accounts": "name,kind,account_type,organisation,city,country,industry,email,phone,owner,parent,tags,is_global,archived_at,created_at,updated_at,custom.employees",
    "contacts": "name,job_title,contact_type,account,email,phone,owner,tags,created_at,updated_at,custom.preferred_channel",
    "leads": "title,status,source,priority,company,person,email,phone,owner,account,budget,tags,created_at,updated_at",
    "deals": "name,account,pipeline,stage,status,amount,currency,expected_close,owner,tags,stage_changed_at,created_at,updated_at,custom.competitor",
    "activities": "subject,kind,owner,due_at,done_at,regarding,direction,category,created_at,updated_at",
}


@dataclass
class Actor:
    """One member as the walker sees them: their clients and the records they can see."""

    member: Member
    web: Client
    api: Client
    records: dict[str, int] = field(default_factory=dict)  # "deals" -> an id the member sees
    views: dict[str, int] = field(default_factory=dict)  # "deals" -> a saved view of theirs
    attachments: dict[str, int] = field(default_factory=dict)
    baseline: int = 0


@dataclass
class Demo:
    admin: Actor
    seller: Actor
    pipeline: int
    stage: int
    linked_contact: dict[int, int]  # deal id -> a contact linked to it
    goal: int
    rate: int
    conversation: dict[int, int]  # member id -> a conversation they see
    search_word: str


def _clients(member: Member) -> tuple[Client, Client]:
    web = Client()
    web.force_login(member.user)
    session = web.session
    session["rapport_workspace_id"] = member.workspace_id
    session.save()
    _, key = token_create(actor=None, member=member, name="query budget")
    return web, Client(headers={"Authorization": f"Bearer {key}"})


def _prepare(member: Member, pipeline: int) -> Actor:
    web, api_client = _clients(member)
    actor = Actor(member, web, api_client)
    for slug, model in MODELS.items():
        qs = visible_to(member, model)
        owned = qs.filter(owner=member) if member.role.is_admin is False else qs
        if slug == "deals":
            owned = owned.filter(pipeline_id=pipeline, contact_links__isnull=False)
        obj = (owned.order_by("-id").first() or qs.order_by("-id").first())
        assert obj is not None, f"the demo has no {slug} {member} may see"
        actor.records[slug] = obj.pk
        view = saved_filter_create(actor=member, data={"record_type": RECORD_TYPES[slug], "name": f"Mine ({slug})", "params": {"owner": str(member.pk)}, "ordering": "-created_at"})
        actor.views[slug] = view.pk
        attachment = services.attachment_upload(actor=member, record=obj, file=SimpleUploadedFile("notes.txt", b"notes"))
        actor.attachments[slug] = attachment.pk
    layout_save(actor=member, data={"title": "Mine", "widgets": [{"key": key, "x": 0, "y": i * 4, "w": 6, "h": 4} for i, key in enumerate(REGISTRY)]})
    from rapport.analytics.periods import resolve_period
    from rapport.analytics.widgets import Params
    from rapport.core import clock

    period = resolve_period("month", time_zone=member.workspace.time_zone, at=clock.now())
    answer = compute(member, "calls", period, Params(workspace=member.workspace, pipeline=None, as_of=None, now=clock.now(), options={}))
    baseline = baseline_create(actor=member, data={
        "widget_key": "calls", "name": "Last month", "currency": answer["currency"],
        "period": {"key": "month", "start": period.start, "end": period.end, "label": "This month"},
        "data": {"number": answer["number"], "rows": answer["rows"], "chart": answer["chart"]},
    })
    actor.baseline = baseline.pk
    return actor


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo workspace plus what it lacks (saved views, attachments, layouts, baselines),
    built once for the module inside a transaction that is rolled back at its end."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        summary = build_demo(slug="budget", seed=5)
        workspace = summary.workspace
        members = Member.objects.select_related("user", "role", "workspace").filter(workspace=workspace)
        admin = next(m for m in members if m.role.is_admin)
        sellers = [m for m in members if m.role.name == "Seller"]
        seller = max(sellers, key=lambda m: Deal.objects.filter(owner=m, contact_links__isnull=False).count())
        pipeline = Pipeline.objects.filter(workspace=workspace).order_by("position", "id").first()
        stage = Stage.objects.filter(pipeline=pipeline).order_by("position", "id").first()
        admin_actor, seller_actor = _prepare(admin, pipeline.pk), _prepare(seller, pipeline.pk)
        linked = {
            link.deal_id: link.contact_id
            for link in DealContact.objects.filter(deal_id__in=[admin_actor.records["deals"], seller_actor.records["deals"]])
        }
        from rapport.analytics.models import Goal
        from rapport.intake.selectors import conversations_visible_to

        conversation = {
            m.pk: (conversations_visible_to(m).order_by("-id").values_list("id", flat=True).first() or 0) for m in (admin, seller)
        }
        assert all(conversation.values()), "the demo has no conversation a seller sees"
        account = Account.objects.filter(workspace=workspace).order_by("id").first()
        yield Demo(
            admin=admin_actor,
            seller=seller_actor,
            pipeline=pipeline.pk,
            stage=stage.pk,
            linked_contact=linked,
            goal=Goal.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True).first(),
            rate=ExchangeRate.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True).first(),
            conversation=conversation,
            search_word=account.name.split()[0],
        )
        transaction.set_rollback(True)


# --- discovery ------------------------------------------------------------------------------------


def web_routes() -> list[tuple[str, URLPattern]]:
    """(route, pattern) of every web page: the URL resolver's routes outside /api/."""

    def walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                found.append((prefix + str(pattern.pattern), pattern))
        return found

    return [(route, p) for route, p in walk(get_resolver().url_patterns) if not route.startswith(("api/", "^api/"))]


def api_get_paths() -> list[str]:
    """Every path of the OpenAPI document with a GET operation."""
    schema = api.get_openapi_schema()
    return [path for path, operations in schema["paths"].items() if "get" in operations]


def _slug_of(route: str) -> str:
    return route.split("/", 1)[0]


def web_urls(route: str, demo: Demo, actor: Actor) -> list[str]:
    """The URLs to visit for one route: its parameters filled in, plus query variants."""
    if route in NOT_VISITED:
        return []
    slug = _slug_of(route)
    values: dict[str, Any] = {
        "pk": actor.records.get(slug),
        "view_id": actor.views.get(slug),
        "attachment_id": actor.attachments.get(slug),
        "contact_id": demo.linked_contact.get(actor.records["deals"]),
        "stage_id": demo.stage,
        "deal_id": actor.records["deals"],
    }

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if values.get(name) is None:
            pytest.fail(f"The query-budget walker has no sample value for <{name}> in the route {route!r}: add one to web_urls().")
        return str(values[name])

    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route)
    urls = [path]
    if route in ("deals/board/", "deals/board/stages/<int:stage_id>/cards/"):
        urls = [f"{path}?pipeline={demo.pipeline}", f"{path}?pipeline={demo.pipeline}&mine=1"]
    elif route == "deals/board/refresh/":
        urls = [f"{path}?pipeline={demo.pipeline}&ids={actor.records['deals']},{demo.admin.records['deals']}"]
    elif route == "events/":
        urls = [path, f"{path}?user={demo.seller.member.pk}", f"{path}?object_type=deal&object_id={actor.records['deals']}&period=month"]
    elif route in ("search/", "search/suggest/"):
        urls = [f"{path}?q={demo.search_word}", f"{path}?q={demo.search_word[:-1]}x", f"{path}?q=zzqqxx"]
    elif route == f"{slug}/" and slug in MODELS:
        urls = [path, f"{path}?columns={EVERY_COLUMN[slug]}", f"{path}?view={actor.views[slug]}", f"{path}?owner={actor.member.pk}&ordering=-updated_at"]
        cursor = actor.api.get(f"/api/v1/{slug}").json().get("next_cursor")
        if cursor:
            urls.append(f"{path}?cursor={cursor}")
    elif route == f"{slug}/<int:pk>/history/":
        urls = [path, (path, {"HX-Request": "true"})]  # type: ignore[list-item]
    return urls


def api_urls(path: str, demo: Demo, actor: Actor) -> list[str]:
    resource = path.removeprefix("/api/v1/").split("/", 1)[0]
    values: dict[str, Any] = {
        "record_id": actor.records.get(resource),
        "pipeline_id": demo.pipeline,
        "baseline_id": actor.baseline,
        "conversation_id": demo.conversation[actor.member.pk],
        "goal_id": demo.goal,
        "rate_id": demo.rate,
    }
    if "{key}" in path:
        month = [path.replace("{key}", key) + "?period=month" for key in REGISTRY]
        as_of = [path.replace("{key}", key) + "?period=month&as_of=2020-01-01T00:00:00Z" for key in ("pipeline_dynamics", "forecast", "tasks")]
        return month + [path.replace("{key}", "pipeline_dynamics") + f"?period=week&pipeline={demo.pipeline}"] + as_of

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if values.get(name) is None:
            pytest.fail(f"The query-budget walker has no sample value for {{{name}}} in {path!r}: add one to api_urls().")
        return str(values[name])

    url = re.sub(r"\{(\w+)\}", fill, path)
    if path == "/api/v1/search":
        return [f"{url}?q={demo.search_word}", f"{url}?q={demo.search_word[:-1]}x&types=account,deal&limit=20"]
    if path == "/api/v1/events":
        return [url, f"{url}?user={demo.seller.member.pk}", f"{url}?object_type=deal&object_id={actor.records['deals']}"]
    if path == "/api/v1/deals":
        return [url, f"{url}?pipeline={demo.pipeline}&status=open&ordering=-amount&limit=200", f"{url}?history=won&moved_after=2000-01-01T00:00:00Z"]
    if path == "/api/v1/activities":
        return [url, f"{url}?done=false&late=true", f"{url}?limit=200"]
    return [url]


# --- the walk -------------------------------------------------------------------------------------


@dataclass
class Visit:
    url: str
    status: int
    queries: int
    statements: list[str]


def visit(client: Client, target: str | tuple[str, dict[str, str]]) -> Visit:
    url, headers = target if isinstance(target, tuple) else (target, {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    statements = [q["sql"] for q in captured.captured_queries if not NOT_COUNTED.match(q["sql"])]
    label = url + (" [htmx]" if headers else "")
    return Visit(label, response.status_code, len(statements), statements)


def walk(demo: Demo, actor: Actor) -> list[Visit]:
    visits = []
    for route, _pattern in web_routes():
        for target in web_urls(route, demo, actor):
            visits.append(visit(actor.web, target))
    for path in api_get_paths():
        for url in api_urls(path, demo, actor):
            visits.append(visit(actor.api, url))
    return visits


def report(visits: list[Visit]) -> str:
    over = [v for v in visits if v.queries > QUERY_BUDGET]
    lines = [f"{len(over)} of {len(visits)} requests issued more than {QUERY_BUDGET} queries:"]
    for v in over:
        lines.append(f"  {v.queries:3d} queries  {v.status}  {v.url}")
        lines += [f"        {sql[:160]}" for sql in v.statements]
    lines.append("Visited:")
    lines += [f"  {v.queries:3d} queries  {v.status}  {v.url}" for v in visits]
    return "\n".join(lines)


def check(visits: list[Visit]) -> None:
    errors = [v for v in visits if v.status >= 500]
    assert not errors, "server errors:\n" + "\n".join(f"  {v.status} {v.url}" for v in errors)
    assert all(v.queries <= QUERY_BUDGET for v in visits), report(visits)


@pytest.mark.parametrize("who", ["admin", "seller"])
def test_every_get_stays_within_the_query_budget(demo, who, db):
    visits = walk(demo, getattr(demo, who))
    check(visits)


def test_the_walk_reaches_every_page_with_real_answers(demo, db):
    """The walker must not pass by answering 404s: pages of records, lists, the board, the
    events, search and every dashboard widget answer 200 for the seller, and each route and
    OpenAPI path of the app was visited."""
    visits = {v.url: v for v in walk(demo, demo.seller)}
    seller = demo.seller
    must_answer = [
        *(f"/{slug}/" for slug in MODELS),
        *(f"/{slug}/{seller.records[slug]}/" for slug in MODELS),
        *(f"/{slug}/{seller.records[slug]}/edit/" for slug in MODELS),
        f"/deals/board/?pipeline={demo.pipeline}",
        f"/deals/board/stages/{demo.stage}/cards/?pipeline={demo.pipeline}",
        f"/events/?user={demo.seller.member.pk}",
        f"/search/?q={demo.search_word}",
        "/dashboard/",
        *(f"/api/v1/dashboard/widgets/{key}?period=month" for key in REGISTRY),
        f"/api/v1/deals/{seller.records['deals']}",
        f"/api/v1/search?q={demo.search_word}",
    ]
    wrong = [f"{url}: {visits[url].status if url in visits else 'not visited'}" for url in must_answer if url not in visits or visits[url].status != 200]
    assert not wrong, "\n".join(wrong)
    visited_paths = {url.split("?")[0] for url in visits}
    for route, _pattern in web_routes():
        if route not in NOT_VISITED:
            assert any(re.fullmatch("/" + re.sub(r"<(?:\w+:)?\w+>", r"[^/]+", route), p) for p in visited_paths), route
    for path in api_get_paths():
        assert any(re.fullmatch(re.sub(r"\{\w+\}", r"[^/]+", path), p) for p in visited_paths), path
    assert Attachment.objects.filter(pk__in=seller.attachments.values()).count() == len(MODELS)
    assert Baseline.objects.filter(pk=seller.baseline).exists() and Conversation.objects.exists()
    assert SavedFilter.objects.filter(pk__in=seller.views.values()).count() == len(MODELS)
