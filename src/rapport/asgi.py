"""ASGI entry point: what `rapport serve` and production servers run."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
django.setup(set_prefix=False)

from rapport.core.handler import RapportASGIHandler  # noqa: E402  (needs the apps loaded)

application = RapportASGIHandler()
