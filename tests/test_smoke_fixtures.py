"""The shared fixtures and factories work as their docstrings say."""

from rapport.events.models import Event, EventType
from rapport.records.models import Deal
from rapport.workspaces.permissions import visible_to

from .factories import DealFactory


def test_factories_write_through_services(seller, seller2, outsider, api_as):
    deal = DealFactory(actor=seller)
    assert Event.objects.filter(object_type="deal", object_id=deal.pk, event_type=EventType.CREATED).exists()
    assert list(visible_to(seller, Deal)) == [deal]
    assert list(visible_to(seller2, Deal)) == []
    assert api_as(seller).get(f"deals/{deal.pk}").status_code == 200
    assert api_as(outsider).get(f"deals/{deal.pk}").status_code == 404
