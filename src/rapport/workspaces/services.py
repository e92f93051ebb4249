"""Writes to workspaces, members, roles and API tokens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from rapport.core import clock
from rapport.core.errors import Conflict, PermissionDenied
from rapport.events import log
from rapport.events.models import EventType

from .models import ApiToken, Member, Role, Scope, Workspace

RECORD_TYPES = ("account", "contact", "lead", "deal", "activity")


def _grant(view: str, add: str, edit: str, delete: str) -> dict[str, str]:
    return {"view": view, "add": add, "edit": edit, "delete": delete}


# The roles every new workspace starts with; administrators can change them.
DEFAULT_ROLES: dict[str, dict[str, Any]] = {
    "Administrator": {"is_admin": True, "permissions": {}},
    "Sales manager": {
        "is_admin": False,
        "permissions": {t: _grant(Scope.ALL, Scope.ALL, Scope.TEAM, Scope.TEAM) for t in RECORD_TYPES},
    },
    "Seller": {
        "is_admin": False,
        "permissions": {
            "account": _grant(Scope.ALL, Scope.ALL, Scope.OWN, Scope.NONE),
            "contact": _grant(Scope.ALL, Scope.ALL, Scope.OWN, Scope.NONE),
            "lead": _grant(Scope.OWN, Scope.ALL, Scope.OWN, Scope.NONE),
            "deal": _grant(Scope.OWN, Scope.ALL, Scope.OWN, Scope.NONE),
            "activity": _grant(Scope.OWN, Scope.ALL, Scope.OWN, Scope.OWN),
        },
    },
}

DEFAULT_PIPELINE = [
    {"name": "Incoming", "probability": 10},
    {"name": "Qualification", "probability": 20},
    {"name": "Proposal", "probability": 50},
    {"name": "Negotiation", "probability": 75},
]


def _validate_time_zone(name: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": f"Unknown time zone {name!r}."}) from None


@transaction.atomic
def workspace_create(
    *, name: str, slug: str | None = None, time_zone: str = "UTC", base_currency: str = "EUR", with_pipeline: bool = True
) -> Workspace:
    """Create a workspace with the default roles and, unless told otherwise, a sales pipeline."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the workspace a name."})
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": "Give a slug made of letters, digits or dashes."})
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A workspace with slug {slug!r} exists."})
    _validate_time_zone(time_zone)
    workspace = Workspace(name=name, slug=slug, time_zone=time_zone, base_currency=base_currency.upper())
    workspace.full_clean()
    workspace.save()
    for role_name, spec in DEFAULT_ROLES.items():
        Role.objects.create(workspace=workspace, name=role_name, **spec)
    if with_pipeline:
        from rapport.records.models import Pipeline, Stage

        pipeline = Pipeline.objects.create(workspace=workspace, name="Sales", position=0)
        stages = Stage.objects.bulk_create(
            Stage(workspace=workspace, pipeline=pipeline, position=i, **stage) for i, stage in enumerate(DEFAULT_PIPELINE)
        )
        log.log(None, pipeline, EventType.CREATED, after={"name": pipeline.name, "stages": [s.name for s in stages]})
    return workspace


@dataclass(frozen=True)
class NewMember:
    member: Member
    password_set: bool


@transaction.atomic
def member_create(
    *,
    actor: Member | None,
    workspace: Workspace,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: Role | str = "Seller",
    manager: Member | None = None,
    password: str | None = None,
    title: str = "",
) -> Member:
    """Add a person to a workspace (creating their user account if new). Administrators only."""
    if actor is not None and not _administers(actor, workspace.pk):
        raise PermissionDenied("Only an administrator adds members.")
    email = (email or "").strip().lower()
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Give a valid e-mail address."}) from None
    if isinstance(role, str):
        role_obj = Role.objects.filter(workspace=workspace, name=role).first()
        if role_obj is None:
            raise ValidationError({"role": f"No role named {role!r} in this workspace."})
        role = role_obj
    if role.workspace_id != workspace.pk:
        raise ValidationError({"role": "This role belongs to another workspace."})
    if manager is not None and manager.workspace_id != workspace.pk:
        raise ValidationError({"manager": "The manager belongs to another workspace."})
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User(username=email, email=email, first_name=first_name, last_name=last_name)
        if password:
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from None
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    if Member.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationError({"email": "This person is already a member of the workspace."})
    member = Member.objects.create(workspace=workspace, user=user, role=role, manager=manager, title=title)
    log.log(actor, member, EventType.CREATED, after={"email": email, "role": role.name, "manager": str(manager) if manager else None})
    return member


@transaction.atomic
def member_update(*, actor: Member, member: Member, data: Mapping[str, Any]) -> Member:
    """Change a member's role, manager, title or active flag. Administrators only."""
    if not _administers(actor, member.workspace_id):
        raise PermissionDenied("Only an administrator changes members.")
    changes = []
    for field, value in data.items():
        if field == "role":
            value = Role.objects.filter(workspace_id=member.workspace_id, pk=getattr(value, "pk", value)).first()
            if value is None:
                raise ValidationError({"role": "No such role in this workspace."})
        elif field == "manager" and value is not None:
            value = Member.objects.filter(workspace_id=member.workspace_id, pk=getattr(value, "pk", value)).first()
            if value is None:
                raise ValidationError({"manager": "No such member in this workspace."})
            if value.pk == member.pk or member.pk in _chain_above(value):
                raise ValidationError({"manager": "That would make a loop in the org chart."})
        elif field == "is_active" and not isinstance(value, bool):
            raise ValidationError({field: "Give true or false."})
        elif field == "title" and not (isinstance(value, str) and len(value) <= 120):
            raise ValidationError({field: "Give a text of at most 120 characters."})
        elif field not in {"manager", "title", "is_active"}:
            raise ValidationError({field: "Unknown or read-only field."})
        before = getattr(member, field)
        if before != value:
            changes.append((field, before, value))
            setattr(member, field, value)
    if changes:
        member.save(update_fields=[c[0] for c in changes])
        for field, before, after in changes:
            log.log(actor, member, EventType.FIELD_CHANGED, field=field, before=before, after=after)
    return member


def _administers(actor: Member, workspace_id: int) -> bool:
    return actor.is_active and actor.is_admin and actor.workspace_id == workspace_id


def _chain_above(member: Member) -> set[int]:
    seen: set[int] = set()
    current = member
    while current.manager_id and current.manager_id not in seen:
        seen.add(current.manager_id)
        current = current.manager  # type: ignore[assignment]
    return seen


@transaction.atomic
def token_create(*, actor: Member | None, member: Member, name: str) -> tuple[ApiToken, str]:
    """Issue an API token for `member`; the key is returned once and only its hash is kept."""
    if actor is not None and not (actor.is_active and actor.pk == member.pk) and not _administers(actor, member.workspace_id):
        raise PermissionDenied("Only the member or an administrator creates a member's tokens.")
    name = (name or "").strip() or "API token"
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        workspace_id=member.workspace_id, member=member, name=name[:100], key_hash=ApiToken.hash_key(key), hint=key[:8]
    )
    log.log(actor, member, EventType.LINKED, field="api_token", after=str(token))
    return token, key


@transaction.atomic
def token_revoke(*, actor: Member, token: ApiToken) -> None:
    if not (actor.is_active and actor.pk == token.member_id) and not _administers(actor, token.workspace_id):
        raise PermissionDenied("Only the member or an administrator revokes a member's tokens.")
    if token.revoked_at is not None:
        raise Conflict("The token is already revoked.")
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    log.log(actor, token.member, EventType.UNLINKED, field="api_token", before=str(token))
