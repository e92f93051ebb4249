"""Bearer tokens: the one-query lookup reads what the ORM would, and nothing else afterwards."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.api.auth import BearerToken, _token_lookup
from rapport.workspaces.models import ApiToken
from rapport.workspaces.services import token_create, token_revoke

from .support import World


def _values(obj) -> list[tuple[str, str]]:
    # repr, so 1 and True or two spellings of a moment would not pass for each other
    return [(f.attname, repr(getattr(obj, f.attname))) for f in obj._meta.concrete_fields]


def test_the_token_lookup_reads_what_select_related_reads(world: World) -> None:
    token, key = token_create(actor=world.seller, member=world.seller, name="laptop")
    key_hash = ApiToken.hash_key(key)
    expected = ApiToken.objects.select_related("member__user", "member__role", "member__workspace").get(pk=token.pk)

    with CaptureQueriesContext(connection) as queries:
        found = _token_lookup(key_hash)
        member = found.member
        related = (member.user, member.role, member.workspace, member.display_name, member.is_admin)

    assert len(queries) == 1
    assert related[3] == expected.member.display_name
    for mine, orms in [
        (found, expected),
        (member, expected.member),
        (member.user, expected.member.user),
        (member.role, expected.member.role),
        (member.workspace, expected.member.workspace),
    ]:
        assert type(mine) is type(orms)
        assert _values(mine) == _values(orms)
        assert mine._state.adding is False and mine._state.db == "default"


def test_the_token_lookup_finds_nothing_for_unknown_or_revoked_keys(world: World) -> None:
    token, key = token_create(actor=world.seller, member=world.seller, name="laptop")

    assert _token_lookup(ApiToken.hash_key(key + "x")) is None
    token_revoke(actor=world.seller, token=token)
    assert _token_lookup(ApiToken.hash_key(key)) is None


def test_authenticate_answers_the_tokens_member_and_touches_it_once_a_minute(rf, world: World) -> None:
    token, key = token_create(actor=world.seller, member=world.seller, name="laptop")

    with CaptureQueriesContext(connection) as first:
        member = BearerToken().authenticate(rf.get("/api/v1/deals"), key)
    with CaptureQueriesContext(connection) as second:
        BearerToken().authenticate(rf.get("/api/v1/deals"), key)

    assert member == world.seller and member.workspace_id == world.seller.workspace_id
    assert len(first) == 2  # the lookup, then last_used_at
    assert len(second) == 1
    token.refresh_from_db()
    assert token.last_used_at is not None
