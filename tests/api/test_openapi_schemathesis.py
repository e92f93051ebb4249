"""The OpenAPI document: served, valid, and true to the API under schemathesis fuzzing.

Schemathesis fuzzes every operation the document describes as an administrator of a seeded
workspace; no answer may be a server error, and each must match the document (status codes,
content types, bodies).
"""

from __future__ import annotations

import jsonschema_rs
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31

from rapport.api.errors import PROBLEM_SCHEMA
from rapport.records import services
from rapport.records.models import (
    Account,
    Activity,
    Contact,
    CustomFieldDefinition,
    Deal,
    Lead,
    Pipeline,
    Stage,
    Tag,
)
from rapport.workspaces.services import token_create
from rapport.wsgi import application

from ..factories import ActivityFactory, DealFactory, LeadFactory
from .support import World

OPENAPI_PATH = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

# Which table a path's id names, so generated ids can be pointed at rows that exist.
ROW_OF_PATH = {
    "accounts": Account, "contacts": Contact, "leads": Lead, "deals": Deal, "activities": Activity,
    "pipelines": Pipeline, "stages": Stage, "custom-fields": CustomFieldDefinition, "tags": Tag,
}


@pytest.fixture(autouse=True)
def _requests_keep_the_connection():
    # The WSGI handler closes "old" connections when a request ends; in a test that would end
    # the transaction holding the seeded data. Django's own test client disconnects these too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_key(world: World) -> str:
    """A token of acme's administrator, and a few more rows of each kind to aim at."""
    LeadFactory(actor=world.seller, company="Initech")
    DealFactory(actor=world.seller)
    ActivityFactory(actor=world.admin, deal=world.deal.pk)
    services.tag_create(actor=world.admin, data={"name": "vip"})
    services.custom_field_create(actor=world.admin, data={"record_type": "deal", "key": "seats", "label": "Seats", "field_type": "number"})
    return token_create(actor=world.admin, member=world.admin, name="schemathesis")[1]


# Valid and invalid inputs generated at random; the explicit-example and boundary phases are off
# to keep the run to a minute or two (the other API tests cover boundaries one by one).
CONFIG = SchemathesisConfig.from_str(
    """
    [generation]
    mode = "all"
    [phases.examples]
    enabled = false
    [phases.coverage]
    enabled = false
    [phases.stateful]
    enabled = false
    """
)
# Loaded when the module is collected: the document itself needs no database.
schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, application, config=CONFIG)


def _aim_at_existing_rows(case, workspace_id: int) -> None:
    """Most generated ids would only ever meet a 404: point them at acme's rows instead."""
    resource = case.path.split("/")[3]
    for name, value in (case.path_parameters or {}).items():
        model = Contact if name == "contact_id" else ROW_OF_PATH.get(resource)
        if model is None or not isinstance(value, int):
            continue
        ids = list(model._default_manager.filter(workspace_id=workspace_id).order_by("pk").values_list("pk", flat=True))
        if ids and value % 5:  # one in five keeps its random id, so misses are exercised too
            case.path_parameters[name] = ids[value % len(ids)]


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
def test_every_operation_answers_per_its_document(case, world: World, admin_key: str) -> None:
    _aim_at_existing_rows(case, world.admin.workspace_id)
    response = case.call(headers={"Authorization": f"Bearer {admin_key}"})
    case.validate_response(response, checks=CHECKS)


def test_the_openapi_document_is_served_and_valid(client) -> None:
    response = client.get(OPENAPI_PATH)

    assert response.status_code == 200
    document = response.json()
    jsonschema_rs.validator_for(OPENAPI_31).validate(document)
    assert document["info"]["title"] == "Rapport API"
    assert document["components"]["schemas"]["Problem"] == PROBLEM_SCHEMA
    operations = [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]
    assert len(operations) > 50
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "404", "422"} <= set(responses), (method, path)
        if method != "get":
            assert {"403", "409", "412"} <= set(responses), (method, path)
        assert responses["422"]["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_the_interactive_documentation_is_served(client) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert OPENAPI_PATH in response.content.decode()
