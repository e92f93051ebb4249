"""Rapport's form renderer: its faster select template gives Django's own markup."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import Jinja2

from rapport.web.forms_renderer import FormRenderer

CHOICES = [
    ("", "Any"),
    ("a&b", "Fish & <chips>"),
    ("Group one", [("1", "One"), ("2", 'Two "quoted"')]),
    ("3", "Three"),
]


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    required = forms.ChoiceField(choices=CHOICES, widget=forms.Select(attrs={"data-x": "<y>", "disabled": True, "hidden": False}))
    several = forms.MultipleChoiceField(choices=CHOICES, required=False)
    yes_no = forms.NullBooleanField(required=False)


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("data", [{}, {"plain": "a&b", "required": "2", "several": ["1", "3"], "yes_no": "true"}])
def test_selects_render_as_djangos_own_templates_do(data):
    ours, stock = Sample(data=data or None, renderer=FormRenderer()), Sample(data=data or None, renderer=Jinja2())
    for name in Sample.base_fields:
        mine, theirs = squeeze(str(ours[name])), squeeze(str(stock[name]))
        assert mine == theirs
        assert "<select" in mine and "&lt;chips&gt;" in mine or name == "yes_no"


def test_the_app_renders_its_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "rapport.web.forms_renderer.FormRenderer"
    get_default_renderer.cache_clear()
    assert isinstance(get_default_renderer(), FormRenderer)
    assert "rapport/web/jinja2" in str(get_default_renderer().get_template("django/forms/widgets/select.html").origin.name)
