"""The `rapport` command line: workspace, administrator and token commands, and the demo data."""

from __future__ import annotations

import io
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max, Min
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from rapport.cli import main
from rapport.events.models import ActorKind, Event, EventType
from rapport.records.models import (
    Account,
    Activity,
    ActivityKind,
    Contact,
    CustomFieldDefinition,
    Deal,
    DealStatus,
    Lead,
    LeadSource,
    LeadStatus,
    Pipeline,
    Stage,
    StageChange,
)
from rapport.workspaces.models import ApiToken, Member, Workspace

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# -- createworkspace ---------------------------------------------------------------------------


def test_createworkspace_prints_the_slug_and_makes_roles_and_a_pipeline():
    out = run("createworkspace", "Acme Trading", "--time-zone", "Europe/Madrid", "--currency", "usd")
    assert out.strip() == "acme-trading"
    workspace = Workspace.objects.get(slug="acme-trading")
    assert (workspace.name, workspace.time_zone, workspace.base_currency) == ("Acme Trading", "Europe/Madrid", "USD")
    assert set(workspace.roles.values_list("name", flat=True)) == {"Administrator", "Sales manager", "Seller"}
    assert Pipeline.objects.filter(workspace=workspace, name="Sales").exists()


def test_createworkspace_takes_a_slug():
    assert run("createworkspace", "Acme", "--slug", "acme-eu").strip() == "acme-eu"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "name"),
        (["Acme", "--time-zone", "Mars/Olympus"], "time zone"),
        (["Acme", "--slug", "!!!"], "slug"),
    ],
)
def test_createworkspace_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("createworkspace", *args)
    assert not Workspace.objects.exists()


def test_createworkspace_refuses_a_taken_slug():
    run("createworkspace", "Acme")
    with pytest.raises(CommandError, match="exists"):
        run("createworkspace", "Acme")
    assert Workspace.objects.count() == 1


# -- createadmin -------------------------------------------------------------------------------


@pytest.fixture
def workspace():
    run("createworkspace", "Acme")
    return Workspace.objects.get(slug="acme")


def test_createadmin_with_a_password(workspace):
    out = run("createadmin", "--workspace", "acme", "--email", "Boss@Acme.test", "--password", "long-enough-secret",
              "--first-name", "Ada", "--last-name", "Boss")
    member = Member.objects.select_related("user", "role").get(workspace=workspace)
    assert member.role.is_admin
    assert member.user.username == "boss@acme.test"
    assert member.user.get_full_name() == "Ada Boss"
    assert member.user.check_password("long-enough-secret")
    assert "long-enough-secret" not in out
    assert Event.objects.filter(workspace=workspace, object_type="member", event_type=EventType.CREATED).exists()


def test_createadmin_reads_the_password_from_the_environment(workspace, monkeypatch):
    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "from-the-environment")
    out = run("createadmin", "--workspace", "acme", "--email", "boss@acme.test")
    assert get_user_model().objects.get(username="boss@acme.test").check_password("from-the-environment")
    assert "from-the-environment" not in out


def test_createadmin_generates_and_prints_a_password(workspace, monkeypatch):
    monkeypatch.delenv("RAPPORT_ADMIN_PASSWORD", raising=False)
    out = run("createadmin", "--workspace", "acme", "--email", "boss@acme.test")
    password = out.split("Password (shown once):")[1].strip()
    assert len(password) >= 12
    assert get_user_model().objects.get(username="boss@acme.test").check_password(password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workspace", "nope", "--email", "boss@acme.test", "--password", "long-enough-secret"], "No workspace"),
        (["--workspace", "acme", "--email", "not-an-address", "--password", "long-enough-secret"], "e-mail"),
        (["--workspace", "acme", "--email", "boss@acme.test", "--password", "short"], "password"),
    ],
)
def test_createadmin_refuses_bad_input(workspace, args, message):
    with pytest.raises(CommandError, match=message):
        run("createadmin", *args)
    assert not Member.objects.exists()
    assert not get_user_model().objects.exists()


def test_createadmin_refuses_an_existing_member(workspace):
    run("createadmin", "--workspace", "acme", "--email", "boss@acme.test", "--password", "long-enough-secret")
    with pytest.raises(CommandError, match="already a member"):
        run("createadmin", "--workspace", "acme", "--email", "boss@acme.test", "--password", "long-enough-secret")
    assert Member.objects.count() == 1


# -- token -------------------------------------------------------------------------------------


def test_token_prints_only_the_key(workspace):
    run("createadmin", "--workspace", "acme", "--email", "boss@acme.test", "--password", "long-enough-secret")
    out = run("token", "--workspace", "acme", "--email", "BOSS@acme.test", "--name", "Zapier")
    key = out.strip()
    assert out.count("\n") == 1 and key.startswith(ApiToken.PREFIX)
    token = ApiToken.objects.select_related("member__user").get(key_hash=ApiToken.hash_key(key))
    assert token.name == "Zapier"
    assert token.member.user.username == "boss@acme.test"
    assert token.workspace_id == workspace.pk


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workspace", "nope", "--email", "boss@acme.test"], "No workspace"),
        (["--workspace", "acme", "--email", "nobody@acme.test"], "No member"),
    ],
)
def test_token_refuses_bad_input(workspace, args, message):
    with pytest.raises(CommandError, match=message):
        run("token", *args)
    assert not ApiToken.objects.exists()


# -- the `rapport` entry point and the worker -------------------------------------------------------


def test_main_without_a_command_prints_the_usage(capsys):
    main([])
    assert "rapport <command>" in capsys.readouterr().out


# Commands run from the command line close the database connection when they finish, and the
# worker drops connections that are inside a transaction: both need real commits.
@pytest.mark.django_db(transaction=True)
def test_main_dispatches_to_commands_and_fails_in_one_line(capsys):
    main(["createworkspace", "Acme"])
    assert capsys.readouterr().out.strip() == "acme"
    with pytest.raises(SystemExit) as exit_info:
        main(["token", "--workspace", "nope", "--email", "boss@acme.test"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.strip() == "CommandError: No workspace with slug 'nope'."
    assert "Traceback" not in err


@task
def write_marker(path: str) -> None:
    Path(path).write_text("ran")


@pytest.mark.django_db(transaction=True)
def test_worker_runs_queued_tasks_and_exits_in_batch_mode(tmp_path):
    marker = tmp_path / "marker"
    result = write_marker.enqueue(str(marker))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        run("worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert marker.read_text() == "ran"
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL


# -- demo --------------------------------------------------------------------------------------


def test_demo_builds_a_consistent_workspace_through_the_services():
    before = timezone.now()
    out = run("demo", "--workspace-slug", "demo", "--seed", "1")
    assert "admin@demo.rapport / rapport-demo" in out
    workspace = Workspace.objects.get(slug="demo")
    records = {model: model.objects.filter(workspace=workspace) for model in (Account, Contact, Lead, Deal, Activity)}

    _check_people(workspace, out)
    _check_counts(workspace, records)
    _check_deal_history(workspace, before)
    _check_leads(workspace)
    _check_activities(workspace, before)
    _check_every_record_was_created_through_a_service(workspace, records)

    with pytest.raises(CommandError, match="exists"):
        run("demo", "--workspace-slug", "demo")


def _check_people(workspace, out):
    members = Member.objects.filter(workspace=workspace).select_related("user", "role")
    assert members.count() == 20
    admin = members.get(user__username="admin@demo.rapport")
    assert admin.role.is_admin and admin.manager_id is None
    assert admin.user.check_password("rapport-demo")
    managers = [m for m in members if m.role.name == "Sales manager"]
    sellers = [m for m in members if m.role.name == "Seller"]
    assert len(managers) == 3 and all(m.manager_id == admin.pk for m in managers)
    team_sizes = sorted(sum(1 for s in sellers if s.manager_id == m.pk) for m in managers)
    assert len(sellers) == 16 and all(5 <= size <= 6 for size in team_sizes)
    seller = sellers[0]
    assert seller.user.check_password("rapport-demo")
    assert any(s.user.username in out for s in sellers)


def _check_counts(workspace, records):
    pipelines = Pipeline.objects.filter(workspace=workspace).annotate(stage_count=Count("stages"))
    assert {p.name for p in pipelines} == {"Sales", "Partners", "Renewals"}
    assert all(4 <= p.stage_count <= 6 for p in pipelines)
    accounts, contacts = records[Account].count(), records[Contact].count()
    assert 200 <= accounts <= 450
    assert 1.5 <= contacts / accounts <= 2.5
    assert 350 <= records[Lead].count() <= 450
    deals = records[Deal]
    assert 300 <= deals.count() <= 400
    won, lost = deals.filter(status=DealStatus.WON).count(), deals.filter(status=DealStatus.LOST).count()
    assert 0.15 <= won / deals.count() <= 0.35
    assert 0.10 <= lost / deals.count() <= 0.30
    assert not deals.filter(status=DealStatus.LOST, lost_reason="").exists()
    assert set(deals.values_list("pipeline__name", flat=True)) == {"Sales", "Partners", "Renewals"}
    # Besides these, the intake adds telephony calls (with the system's ids) and chat messages.
    assert 1300 <= records[Activity].filter(external_id="", chat_message__isnull=True).count() <= 1700
    assert accounts > records[Account].filter(country="").count() * 10
    assert records[Account].filter(is_global=True).exists() and records[Account].filter(is_private=True).exists()
    fields = set(CustomFieldDefinition.objects.filter(workspace=workspace).values_list("record_type", "key"))
    assert {("deal", "competitor"), ("account", "employees")} <= fields
    assert deals.filter(custom__has_key="competitor").exists()
    assert records[Account].filter(custom__has_key="employees").exists()


def _check_deal_history(workspace, before):
    changes = StageChange.objects.filter(workspace=workspace).order_by("deal_id", "changed_at", "id")
    latest, first = {}, {}
    for change in changes:
        latest[change.deal_id] = change
        first.setdefault(change.deal_id, change)
    deals = Deal.objects.filter(workspace=workspace)
    for deal in deals:
        assert deal.stage_id == latest[deal.pk].to_stage_id, deal
        assert deal.status == latest[deal.pk].to_status, deal
        assert deal.pipeline_id == deal.stage.pipeline_id
        assert first[deal.pk].from_stage_id is None
        assert first[deal.pk].changed_at == deal.created_at
    # History spreads over the past six months, always in the past.
    span = deals.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["first"] < before - timedelta(days=150)
    assert span["last"] <= before
    assert changes.aggregate(last=Max("changed_at"))["last"] <= before
    # Deals move forward through several stages, and some move more than once.
    moves = changes.exclude(from_stage=None).exclude(from_stage_id=F("to_stage_id")).count()
    assert moves > deals.count()
    closed = deals.exclude(status=DealStatus.OPEN)
    assert not closed.filter(closed_at=None).exists()
    assert all(d.closed_at > d.created_at for d in closed)


def _check_leads(workspace):
    leads = Lead.objects.filter(workspace=workspace)
    assert set(leads.values_list("status", flat=True)) == set(LeadStatus.values)
    assert set(leads.values_list("source", flat=True)) == set(LeadSource.values)
    assert leads.filter(owner=None).count() >= 20  # unassigned: the robot owner's
    qualified = leads.filter(status=LeadStatus.QUALIFIED)
    assert qualified.count() >= 50
    assert not qualified.filter(deal=None).exists()
    assert not leads.filter(status=LeadStatus.DISQUALIFIED, disqualify_reason="").exists()
    assert leads.exclude(archived_at=None).exists()


def _check_activities(workspace, before):
    activities = Activity.objects.filter(workspace=workspace)
    assert set(activities.values_list("kind", flat=True)) >= {"task", "call", "meeting", "email", "note"}
    tasks = activities.filter(kind=ActivityKind.TASK)
    assert tasks.filter(done_at=None, due_at__lt=before).exists()  # overdue
    assert tasks.filter(done_at__gt=F("due_at")).exists()  # done late
    assert tasks.filter(done_at__lte=F("due_at")).exists()  # done on time
    calls = activities.filter(kind=ActivityKind.CALL)
    assert set(calls.values_list("direction", flat=True)) == {"inbound", "outbound"}
    assert not calls.filter(duration_minutes=None).exists()
    assert activities.exclude(deal=None).exists() and activities.exclude(lead=None).exists()
    assert activities.filter(deal=None, lead=None).exclude(account=None).exists()
    assert activities.exclude(contact=None).exists()
    assert Event.objects.filter(workspace=workspace, event_type=EventType.COMPLETED).count() >= 200


def _check_every_record_was_created_through_a_service(workspace, records):
    events = Event.objects.filter(workspace=workspace)
    for model, queryset in records.items():
        created = set(
            events.filter(object_type=model.RECORD_TYPE, event_type=EventType.CREATED).values_list("object_id", flat=True)
        )
        missing = set(queryset.values_list("id", flat=True)) - created
        assert not missing, f"{model.__name__} without a created event: {sorted(missing)[:5]}"
    for model in (Pipeline, Stage, CustomFieldDefinition):
        assert events.filter(object_type=model._meta.model_name, event_type=EventType.CREATED).exists()
    # Events are backdated with the records they describe.
    deal = Deal.objects.filter(workspace=workspace).order_by("created_at").first()
    created = events.get(object_type="deal", object_id=deal.pk, event_type=EventType.CREATED)
    assert created.occurred_at == deal.created_at
    assert created.actor_id == deal.created_by_id and created.actor_kind in (ActorKind.USER, ActorKind.API)
    assert events.filter(event_type=EventType.STAGE_CHANGED).count() >= StageChange.objects.filter(
        workspace=workspace, from_status=DealStatus.OPEN, to_status=DealStatus.OPEN
    ).count()


# -- serve -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("flags", "access_log"), [((), True), (("--no-access-log",), False)])
def test_serve_keeps_the_access_log_unless_told_not_to(monkeypatch, flags, access_log):
    import uvicorn

    from rapport.core.management.commands import serve

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)  # no migrate, no demo
    monkeypatch.setattr(serve.connection, "close", lambda: None)  # keep the test's transaction

    run("serve", "--no-demo", "--no-worker", "--port", "8123", *flags)

    [(app, options)] = calls
    assert app == "rapport.asgi:application"
    assert options["port"] == 8123 and options["log_level"] == "info"
    assert options["access_log"] is access_log
