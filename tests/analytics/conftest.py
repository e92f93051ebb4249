"""Fixtures of the analytics tests: the Sales pipeline and its stages, fast passwords."""

from __future__ import annotations

import pytest

from rapport.records.models import Pipeline, Stage


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pipeline(workspace, admin) -> Pipeline:
    """Sales: Incoming (10%), Qualification (20%), Proposal (50%), Negotiation (75%)."""
    return Pipeline.objects.get(workspace=workspace, name="Sales")


@pytest.fixture
def stages(pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("position"))
