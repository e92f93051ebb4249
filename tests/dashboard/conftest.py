"""Fixtures of the dashboard tests: uploads land in a temporary media folder; image files to upload."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The shared fixtures give every member a password: a slow hash would dominate these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def image_bytes() -> Callable[..., bytes]:
    """`image_bytes(width, height, "PNG")`: the bytes of a real image of that size and format."""

    def make(width: int = 32, height: int = 24, image_format: str = "PNG") -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (width, height), (36, 87, 197)).save(buffer, format=image_format)
        return buffer.getvalue()

    return make


WIDGETS = [
    {"key": "won_deals", "x": 0, "y": 0, "w": 4, "h": 3, "view": "number", "options": {}},
    {"key": "lead_sources", "x": 4, "y": 0, "w": 8, "h": 4, "view": "chart", "options": {"compare": "overlay"}},
]

FIGURES = {
    "number": {"value": 3, "display": "3", "label": "Won deals", "link": "/deals/?status=won", "previous": 1, "change_percent": 200.0},
    "rows": [{"key": "email", "label": "E-mail", "value": 4, "display": "4", "share": 100.0, "link": "/leads/?source=email"}],
    "chart": {
        "type": "bar",
        "labels": ["E-mail", "Phone"],
        "datasets": [{"label": "Leads", "data": [4, 2], "links": ["/leads/?source=email", None], "style": "primary"}],
    },
}


def baseline_input(**changes):
    data = {
        "widget_key": "lead_sources",
        "name": "March",
        "period": {"key": "month", "start": "2025-03-01T00:00:00+01:00", "end": "2025-04-01T00:00:00+02:00", "label": "March 2025"},
        "pipeline": None,
        "as_of": None,
        "currency": "EUR",
        "data": FIGURES,
    }
    data.update(changes)
    return data
