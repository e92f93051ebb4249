"""The form renderer: Django's Jinja2 widget templates, with the few Rapport overrides first."""

from pathlib import Path

import django.forms
from django.forms.renderers import Jinja2
from django.utils.functional import cached_property

OVERRIDES = Path(__file__).parent / "jinja2"


class FormRenderer(Jinja2):
    """Like django.forms.renderers.Jinja2, which looks in Django's own templates first and so
    cannot be overridden per widget: here rapport/web/jinja2 comes before them."""

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [OVERRIDES, Path(django.forms.__file__).parent / self.backend.app_dirname],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )
