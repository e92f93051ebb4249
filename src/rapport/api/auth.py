"""Who is calling: a bearer token bound to one member, or the signed-in web session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from rapport.events.log import set_actor_kind
from rapport.events.models import ActorKind
from rapport.workspaces.models import ApiToken, Member, Role, Workspace

SESSION_WORKSPACE_KEY = "rapport_workspace_id"


class _TokenLookup:
    """The token with its member, the member's user, role and workspace, in one query.

    What `ApiToken.objects.select_related("member__user", "member__role", "member__workspace")
    .filter(key_hash=..., revoked_at__isnull=True)` reads, but with its SQL written once per
    database vendor: building that queryset's SQL cost more CPU (~0.5 ms) than the database
    spent answering it, on every API request. Rows become model instances the way the ORM
    makes them (the fields' database converters, then `from_db`), with the relations cached
    on the instances as `select_related` leaves them.
    """

    # (alias, model, the alias and foreign key that lead to it); the keys followed are NOT NULL.
    TABLES: tuple[tuple[str, type[models.Model], str, str], ...] = (
        ("t", ApiToken, "", ""),
        ("m", Member, "t", "member"),
        ("u", get_user_model(), "m", "user"),
        ("r", Role, "m", "role"),
        ("w", Workspace, "m", "workspace"),
    )
    MODELS = {alias: model for alias, model, _, _ in TABLES}

    def __init__(self) -> None:
        # vendor -> (SQL, per model: (model, attribute names, [(column index, converters, col)]))
        self._compiled: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}

    def _compile(self, connection: BaseDatabaseWrapper) -> tuple[str, list[tuple[Any, ...]]]:
        quote = connection.ops.quote_name
        columns: list[str] = []
        layout = []
        for alias, model, _, _ in self.TABLES:
            fields = list(model._meta.concrete_fields)
            converters = []
            for field in fields:
                col = field.get_col(alias)
                found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if found:
                    converters.append((len(columns), found, col))
                columns.append(f"{alias}.{quote(field.column)}")
            layout.append((model, [f.attname for f in fields], converters))
        joins = []
        for alias, model, parent, key in self.TABLES[1:]:
            foreign_key = self.MODELS[parent]._meta.get_field(key)
            if foreign_key.null:  # an inner join would lose the token instead of reading a null
                raise TypeError(f"{foreign_key} may be null")
            joins.append(
                f"INNER JOIN {quote(model._meta.db_table)} {alias} "
                f"ON {alias}.{quote(model._meta.pk.column)} = {parent}.{quote(foreign_key.column)}"
            )
        sql = (
            f"SELECT {', '.join(columns)} FROM {quote(ApiToken._meta.db_table)} t {' '.join(joins)} "
            f"WHERE t.{quote(ApiToken._meta.get_field('key_hash').column)} = %s "
            f"AND t.{quote(ApiToken._meta.get_field('revoked_at').column)} IS NULL"
        )
        return sql, layout

    def __call__(self, key_hash: str, using: str = "default") -> ApiToken | None:
        connection = connections[using]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(connection)
        sql, layout = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, [key_hash])
            row = cursor.fetchone()  # key_hash is unique
        if row is None:
            return None
        values = list(row)
        instances = []
        start = 0
        for model, attnames, converters in layout:
            for index, functions, col in converters:
                value = values[index]
                for function in functions:
                    value = function(value, col, connection)
                values[index] = value
            instances.append(model.from_db(using, attnames, values[start : start + len(attnames)]))
            start += len(attnames)
        token, member, user, role, workspace = instances
        ApiToken._meta.get_field("member").set_cached_value(token, member)
        for name, related in (("user", user), ("role", role), ("workspace", workspace)):
            Member._meta.get_field(name).set_cached_value(member, related)
        return token


_token_lookup = _TokenLookup()


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        if not token.startswith(ApiToken.PREFIX):
            return None
        api_token = _token_lookup(ApiToken.hash_key(token))
        if api_token is None or not api_token.member.is_active or not api_token.member.user.is_active:
            return None
        now = timezone.now()
        # Touch at most once a minute: a write per request would serialise reads on SQLite.
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        set_actor_kind(ActorKind.API)
        return api_token.member


class SessionMember(APIKeyCookie):
    """The web app's own calls: the signed-in user in the workspace chosen in their session."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Member | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return member_for_session(request)


def member_for_session(request: HttpRequest) -> Member | None:
    """The membership of the workspace chosen in the session, else the user's first one.

    One query for all of the user's memberships (a person belongs to a few workspaces): they
    are kept on the request, where the layout's workspace switcher reads them (web/context.py).
    """
    memberships = list(
        Member.objects.select_related("user", "role", "workspace").filter(user=request.user, is_active=True).order_by("workspace_id")
    )
    request.rapport_memberships = memberships  # type: ignore[attr-defined]
    workspace_id = request.session.get(SESSION_WORKSPACE_KEY)
    chosen = next((m for m in memberships if m.workspace_id == workspace_id), None) if workspace_id else None
    return chosen or (memberships[0] if memberships else None)
