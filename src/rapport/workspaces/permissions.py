"""The one place that decides what a member may see (`visible_to`) and do (`can`).

Every read in Rapport starts from `visible_to(actor, Model)`; every service checks `can` (or
`require`) before it writes. Rules (SPEC P1-P3):

- Roles grant view / add / edit / delete per record type with a scope: none, own, team, all.
  "team" is the member and everyone below them in the org chart. Admin roles have everything.
- A manager always sees (view only) what their subordinates own (P2).
- A global account is visible to every member; a private account only to its creator,
  administrators included.
- Settings records (pipelines, stages, custom fields, tags) are visible to every member and
  edited by administrators only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from rapport.core.errors import NotFound, PermissionDenied

from .models import Action, Member, Scope

if TYPE_CHECKING:
    from collections.abc import Iterable

M = TypeVar("M", bound=models.Model)

# The largest primary key the databases store (64-bit signed); larger ids cannot exist.
MAX_ID = 2**63 - 1


def team_ids(actor: Member) -> frozenset[int]:
    """The member and all their direct and indirect subordinates (cached on the instance)."""
    cached = getattr(actor, "_team_ids", None)
    if cached is not None:
        return cached
    children: dict[int, list[int]] = {}
    for member_id, manager_id in Member.objects.filter(workspace_id=actor.workspace_id).values_list(
        "id", "manager_id"
    ):
        if manager_id is not None:
            children.setdefault(manager_id, []).append(member_id)
    seen = {actor.pk}
    stack = [actor.pk]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    actor._team_ids = frozenset(seen)  # type: ignore[attr-defined]
    return actor._team_ids  # type: ignore[attr-defined]


def record_type_of(model: type[models.Model]) -> str | None:
    return getattr(model, "RECORD_TYPE", None)


def owner_field_of(model: type[models.Model]) -> str:
    """The field that says whose a record is ("owner" unless the model sets OWNER_FIELD)."""
    return getattr(model, "OWNER_FIELD", "owner")


def _owner_q(model: type[models.Model], member_ids: Iterable[int]) -> Q:
    owner_field = owner_field_of(model)
    ids = list(member_ids)
    if len(ids) == 1:
        return Q(**{f"{owner_field}_id": ids[0]})
    return Q(**{f"{owner_field}_id__in": ids})


def scope_q(actor: Member, model: type[models.Model], action: str) -> Q | None:
    """A filter for the records `actor` may `action` within the workspace; None means none."""
    record_type = record_type_of(model)
    if record_type is None:
        return Q()
    scope = actor.role.scope_for(record_type, action)
    if scope == Scope.ALL:
        q = Q()
    elif scope == Scope.TEAM:
        q = _owner_q(model, team_ids(actor))
    elif scope == Scope.OWN:
        q = _owner_q(model, [actor.pk])
    else:
        q = None
    if action == Action.VIEW and scope != Scope.ALL:
        # Q() means "everything" and must not be OR-ed into a narrower filter, hence the guard.
        # P2: a manager sees what their subordinates own, whatever the role's view scope.
        subordinates = team_ids(actor) - {actor.pk}
        if subordinates:
            inherited = _owner_q(model, subordinates)
            q = inherited if q is None else q | inherited
        if getattr(model, "HAS_GLOBAL_FLAG", False):
            q = Q(is_global=True) if q is None else q | Q(is_global=True)
    if q is not None and getattr(model, "HAS_PRIVATE_FLAG", False):
        # A private record is its creator's alone: not even an administrator sees it.
        q &= Q(is_private=False) | Q(created_by_id=actor.pk)
    return q


def sees_all_of(actor: Member, model: type[models.Model]) -> bool:
    """Does `actor`'s role see every `model` record of the workspace (view scope `all`)?

    Private records stay their creator's even then; callers that skip the `visible_to` join on
    the strength of this answer must still apply that rule where the model has the flag.
    """
    record_type = record_type_of(model)
    return actor.is_active and record_type is not None and actor.role.scope_for(record_type, Action.VIEW) == Scope.ALL


def visible_to(actor: Member, model: type[M]) -> QuerySet[M]:
    """Every row of `model` that `actor` may see: the start of every read (SPEC P5)."""
    qs = model._default_manager.filter(workspace_id=actor.workspace_id)  # type: ignore[attr-defined]
    # An inactive member may do nothing (`can` says so too), so they see nothing either.
    q = scope_q(actor, model, Action.VIEW) if actor.is_active else None
    if q is None:
        return qs.none()
    return qs.filter(q) if q else qs


def _in_scope(actor: Member, obj: models.Model, action: str) -> bool:
    model = type(obj)
    if getattr(obj, "workspace_id", None) != actor.workspace_id:
        return False
    if getattr(model, "HAS_PRIVATE_FLAG", False) and obj.is_private and obj.created_by_id != actor.pk:  # type: ignore[attr-defined]
        return False
    record_type = record_type_of(model)
    if record_type is None:
        return action == Action.VIEW or actor.is_admin
    scope = actor.role.scope_for(record_type, action)
    owner_id = getattr(obj, f"{owner_field_of(model)}_id", None)
    allowed = (
        scope == Scope.ALL
        or (scope == Scope.TEAM and owner_id in team_ids(actor))
        or (scope == Scope.OWN and owner_id == actor.pk)
    )
    if not allowed and action == Action.VIEW:
        # The same rules as scope_q: P2 (subordinates' records) and global accounts.
        allowed = (owner_id != actor.pk and owner_id in team_ids(actor)) or bool(
            getattr(model, "HAS_GLOBAL_FLAG", False) and obj.is_global  # type: ignore[attr-defined]
        )
    return allowed


def can(actor: Member, action: str, obj: models.Model | type[models.Model]) -> bool:
    """May `actor` do `action` to `obj`? For "add", pass the model class (or an unsaved row)."""
    if not actor.is_active:
        return False
    if isinstance(obj, type):
        record_type = record_type_of(obj)
        if record_type is None:
            return action == Action.VIEW or actor.is_admin
        return actor.role.scope_for(record_type, action) != Scope.NONE
    if action == Action.ADD:
        # An unsaved row: the add scope also bounds whom the new record may belong to.
        return can(actor, Action.ADD, type(obj)) and _in_scope(actor, obj, action)
    return _in_scope(actor, obj, action)


def require(actor: Member, action: str, obj: models.Model | type[models.Model]) -> None:
    """Raise unless `actor` may `action` `obj`; an object they cannot even see is "not found"."""
    if can(actor, action, obj):
        return
    if not isinstance(obj, type) and (action == Action.VIEW or not can(actor, Action.VIEW, obj)):
        raise NotFound(f"{type(obj)._meta.verbose_name} not found")
    name = obj._meta.verbose_name if isinstance(obj, type) else type(obj)._meta.verbose_name
    raise PermissionDenied(f"You may not {action} this {name}.")


def get_visible(
    actor: Member, model: type[M], pk: Any, *, select_related: tuple[str, ...] = (), prefetch_related: tuple[str, ...] = ()
) -> M:
    """Fetch one row the actor may see, or raise NotFound (same answer for missing and hidden);
    with the relations named loaded in the same read."""
    try:
        if not 0 < int(pk) <= MAX_ID:
            raise ValueError(pk)
        qs = visible_to(actor, model)
        if select_related:
            qs = qs.select_related(*select_related)
        if prefetch_related:
            qs = qs.prefetch_related(*prefetch_related)
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        raise NotFound(f"{model._meta.verbose_name} not found") from None
