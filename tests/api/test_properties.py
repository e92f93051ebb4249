"""Properties of the deal API under random use (Hypothesis).

No call is a server error, and the event log replays to every deal's current pipeline, stage and
status.

Hypothesis draws sequences of create / move / won / lost / reopen / update / delete calls, each
made by a random member (of acme or of globex) on a random deal, sometimes with a current or a
stale If-Match. Each sequence runs in a savepoint rolled back afterwards.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rapport.events.models import Event, EventType
from rapport.records import services
from rapport.records.models import Deal, Stage, StageChange

from .support import World

# Weighted towards members who see most deals, so calls often succeed, not just fail politely.
MEMBERS = ("admin", "admin", "manager", "manager", "seller", "seller2", "loner", "auditor", "intern", "outsider")
# What a well-behaved API may answer; anything else (a 500 above all) fails the property.
EXPECTED = {200, 201, 204, 403, 404, 409, 412, 422}

who = st.sampled_from(MEMBERS)
pick = st.integers(min_value=0, max_value=50)  # an index into the rows that exist when the call is made
version = st.sampled_from(["none", "none", "current", "stale"])

operations = st.one_of(
    st.tuples(st.just("create"), who, pick, st.one_of(st.none(), pick), st.sampled_from(["0", "10.50", "99999.99"])),
    st.tuples(st.just("move"), who, pick, pick, st.booleans(), version),
    st.tuples(st.just("won"), who, pick, version),
    st.tuples(st.just("lost"), who, pick, st.sampled_from(["Price", "", "Timing"]), version),
    st.tuples(st.just("reopen"), who, pick, version),
    st.tuples(st.just("update"), who, pick, st.sampled_from([{"amount": "5.00"}, {"name": "Renamed"}, {"owner": None}]), version),
    st.tuples(st.just("delete"), who, pick, version),
)


def _nth(rows: list[Any], index: int) -> Any:
    return rows[index % len(rows)] if rows else None


def _if_match(deal: Deal | None, choice: str) -> dict[str, str]:
    if deal is None or choice == "none":
        return {}
    current = Deal.objects.filter(pk=deal.pk).values_list("version", flat=True).first() or deal.version
    return {"If-Match": f'"{current if choice == "current" else max(current - 1, 0)}"'}


def _call(world: World, op: tuple[Any, ...]) -> Any:
    kind, member, index = op[0], op[1], op[2]
    api = world.api(member)
    # Mostly the caller's own workspace's stages, sometimes any (foreign ones must be refused).
    own = list(Stage.objects.filter(workspace_id=world.members[member].workspace_id).order_by("id"))
    stages = own * 3 + list(Stage.objects.order_by("id"))
    if kind == "create":
        stage = _nth(stages, op[3]) if op[3] is not None else None
        pipeline = stage.pipeline_id if stage else _nth(stages, index).pipeline_id
        body = {"name": f"Deal {index}", "pipeline": pipeline, "amount": op[4], **({"stage": stage.pk} if stage else {})}
        return api.post("deals", body)
    deal = _nth(list(Deal.objects.order_by("id")), index)
    deal_id = deal.pk if deal else 999_999
    headers = _if_match(deal, op[-1])
    if kind == "move":
        target = _nth(stages, op[3])
        body = {"pipeline": target.pipeline_id} if op[4] else {"stage": target.pk}
        return api.post(f"deals/{deal_id}/move", body, headers=headers)
    if kind == "won":
        return api.post(f"deals/{deal_id}/won", headers=headers)
    if kind == "lost":
        return api.post(f"deals/{deal_id}/lost", {"reason": op[3]}, headers=headers)
    if kind == "reopen":
        return api.post(f"deals/{deal_id}/reopen", headers=headers)
    if kind == "update":
        return api.patch(f"deals/{deal_id}", op[3], headers=headers)
    return api.delete(f"deals/{deal_id}", headers=headers)


def replay(deal_id: int) -> dict[str, Any]:
    """A deal's pipeline, stage and status as its events tell them, oldest first."""
    state: dict[str, Any] = {}
    for entry in Event.objects.filter(object_type="deal", object_id=deal_id).order_by("id"):
        if entry.event_type == EventType.CREATED:
            state = {
                "pipeline": entry.after["pipeline"]["id"],
                "stage": entry.after["stage"]["id"],
                "status": entry.after.get("status", "open"),
            }
        elif entry.event_type == EventType.STAGE_CHANGED:
            state["stage"] = entry.after["id"]
        elif entry.event_type == EventType.PIPELINE_CHANGED:
            state["pipeline"] = entry.after["id"]
        elif entry.event_type in (EventType.WON, EventType.LOST, EventType.REOPENED) and entry.field == "status":
            state["status"] = entry.after
        elif entry.event_type == EventType.DELETED:
            state = {"deleted": True}
    return state


def _assert_history_agrees(world: World) -> None:
    for deal in Deal.objects.all():
        assert replay(deal.pk) == {"pipeline": deal.pipeline_id, "stage": deal.stage_id, "status": deal.status}, deal
        last = StageChange.objects.filter(deal=deal).order_by("changed_at", "id").last()
        assert (last.to_stage_id, last.to_status) == (deal.stage_id, deal.status)
        assert deal.stage.pipeline_id == deal.pipeline_id
    for deleted_id in Event.objects.filter(object_type="deal", event_type=EventType.DELETED).values_list("object_id", flat=True):
        assert not Deal.objects.filter(pk=deleted_id).exists()
        assert replay(deleted_id) == {"deleted": True}


@settings(
    max_examples=40,
    deadline=None,
    database=None,  # no example files in the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(calls=st.lists(operations, min_size=1, max_size=12))
def test_random_deal_calls_never_fail_and_the_log_replays(world: World, calls: list[tuple[Any, ...]]) -> None:
    with transaction.atomic():
        if not Stage.objects.filter(pipeline__name="Renewals").exists():
            services.pipeline_create(actor=world.admin, data={"name": "Renewals"}, stages=[{"name": "Due"}, {"name": "Quoted"}])
        for op in calls:
            response = _call(world, op)
            event(f"{op[0]} → {response.status_code}")  # shown by --hypothesis-show-statistics
            assert response.status_code in EXPECTED, (op, response.status_code, response.content[:300])
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json"
        _assert_history_agrees(world)
        transaction.set_rollback(True)


def test_replay_follows_moves_across_pipelines_and_reopening(world: World) -> None:
    """The replay itself, on a known history: it must not pass by reading the current row."""
    renewals = services.pipeline_create(actor=world.admin, data={"name": "Renewals"}, stages=[{"name": "Due"}])
    deal = Deal.objects.get(pk=world.api("seller").post("deals", {"name": "Known", "pipeline": world.pipeline.pk}).json()["id"])
    api = world.api("seller")
    api.post(f"deals/{deal.pk}/move", {"stage": world.stages[3].pk})
    api.post(f"deals/{deal.pk}/lost", {"reason": "Price"})
    api.post(f"deals/{deal.pk}/reopen")
    api.post(f"deals/{deal.pk}/move", {"pipeline": renewals.pk})

    assert replay(deal.pk) == {"pipeline": renewals.pk, "stage": renewals.first_stage().pk, "status": "open"}
    api.post(f"deals/{deal.pk}/won")
    assert replay(deal.pk)["status"] == "won"
    Deal.objects.filter(pk=deal.pk).update(stage=world.stages[0])  # a change that bypassed the services
    assert replay(deal.pk)["stage"] != Deal.objects.get(pk=deal.pk).stage_id
