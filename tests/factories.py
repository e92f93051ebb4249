"""factory_boy factories that create records through the services, as the app does.

Every factory takes the acting member as `actor=` and passes the remaining attributes to the
record's `<type>_create` service, so each record made in a test has its `created` event like a
real one. `DealFactory(actor=seller)` puts the deal in the workspace's first pipeline.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from rapport.records import services
from rapport.records.models import Account, Activity, Contact, Deal, Lead, Pipeline


class ServiceFactory(factory.Factory):
    """Base: `_create` calls `service(actor=..., data=...)`; relations may be rows or ids."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, actor: Any = None, **kwargs: Any) -> Any:
        if actor is None:
            raise TypeError(f"{cls.__name__} needs actor=<Member>")
        data = {key: getattr(value, "pk", value) for key, value in kwargs.items()}
        return cls._call(actor, data)

    @classmethod
    def _call(cls, actor: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError


class AccountFactory(ServiceFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")

    @classmethod
    def _call(cls, actor, data):
        return services.account_create(actor=actor, data=data)


class ContactFactory(ServiceFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Sequence(lambda n: f"Person{n}")

    @classmethod
    def _call(cls, actor, data):
        return services.contact_create(actor=actor, data=data)


class LeadFactory(ServiceFactory):
    class Meta:
        model = Lead

    title = factory.Sequence(lambda n: f"Lead {n}")
    company = factory.Sequence(lambda n: f"Prospect {n} Ltd")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Prospect{n}")

    @classmethod
    def _call(cls, actor, data):
        return services.lead_create(actor=actor, data=data)


class DealFactory(ServiceFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("1000.00")

    @classmethod
    def _call(cls, actor, data):
        if data.get("pipeline") is None:
            data["pipeline"] = Pipeline.objects.filter(workspace_id=actor.workspace_id).order_by("position", "id").first().pk
        return services.deal_create(actor=actor, data=data)


class ActivityFactory(ServiceFactory):
    class Meta:
        model = Activity

    kind = "task"
    subject = factory.Sequence(lambda n: f"Task {n}")

    @classmethod
    def _call(cls, actor, data):
        return services.activity_create(actor=actor, data=data)
