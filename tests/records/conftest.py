"""Fixtures for the record service tests: pipelines, settings rows and another workspace's records."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rapport.records import services
from rapport.records.models import Pipeline, Stage

from ..factories import AccountFactory, ActivityFactory, ContactFactory, DealFactory, LeadFactory


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # Every test makes several members with passwords; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pipeline(workspace, admin) -> Pipeline:
    """The workspace's default "Sales" pipeline: Incoming, Qualification, Proposal, Negotiation."""
    return Pipeline.objects.get(workspace=workspace, name="Sales")


@pytest.fixture
def stages(pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("position"))


@pytest.fixture
def other_pipeline(admin) -> Pipeline:
    """A second pipeline of the same workspace, with two stages."""
    return services.pipeline_create(actor=admin, data={"name": "Renewals"}, stages=[{"name": "Due"}, {"name": "Quoted"}])


@pytest.fixture
def foreign(outsider, other_workspace) -> SimpleNamespace:
    """One record of each type in the other workspace (globex), made by its administrator."""
    tag = services.tag_create(actor=outsider, data={"name": "VIP"})
    account = AccountFactory(actor=outsider, name="Globex Corp")
    contact = ContactFactory(actor=outsider, account=account)
    deal = DealFactory(actor=outsider, account=account)
    return SimpleNamespace(
        member=outsider,
        tag=tag,
        account=account,
        contact=contact,
        lead=LeadFactory(actor=outsider),
        deal=deal,
        pipeline=deal.pipeline,
        stage=deal.stage,
        activity=ActivityFactory(actor=outsider, deal=deal),
    )
