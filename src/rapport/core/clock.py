"""The one clock services read, so demo data and tests can write history at a chosen moment."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("rapport_clock", default=None)


def now() -> datetime:
    return _frozen.get() or timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make every service call inside the block happen at `moment` (aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
