"""Small forms of the detail pages: quick activities, deal and lead actions, attachments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.records.models import ActivityKind, Contact, Pipeline
from rapport.workspaces.models import Member

from .forms_records import ReferenceField, reference_choices, stage_choices


class VersionForm(forms.Form):
    """The version of the record the member looked at, so a change made since is not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2_000_000_000)


class QuickActivityForm(forms.Form):
    """Add a note, task or call to a record's timeline."""

    KINDS = (ActivityKind.NOTE, ActivityKind.TASK, ActivityKind.CALL)

    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in KINDS], initial=ActivityKind.NOTE)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Details"), required=False, max_length=50_000, widget=forms.Textarea(attrs={"rows": 3}))
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("For tasks."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", "quick_%s")
        super().__init__(*args, **kwargs)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, prefix_id: str = "reason", **kwargs: Any):
        kwargs.setdefault("auto_id", f"{prefix_id}_%s")
        super().__init__(*args, **kwargs)


class MoveForm(VersionForm):
    stage = forms.TypedChoiceField(label=_("Stage"), coerce=int)

    def __init__(self, *args: Any, actor: Member, **kwargs: Any):
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stage_choices(actor)


class QualifyForm(VersionForm):
    """Qualifying asks only what cannot be derived from the lead: the pipeline, and maybe the amount."""

    pipeline = forms.TypedChoiceField(label=_("Pipeline"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2,
        help_text=_("Leave empty to use the lead's budget."),
    )

    def __init__(self, *args: Any, actor: Member, **kwargs: Any):
        kwargs.setdefault("auto_id", "qualify_%s")
        super().__init__(*args, **kwargs)
        pipelines = Pipeline.objects.filter(workspace_id=actor.workspace_id, is_active=True).order_by("position", "id")
        self.fields["pipeline"].choices = [(p.pk, p.name) for p in pipelines]


class DealContactForm(forms.Form):
    contact = ReferenceField(label=_("Contact"), choices=[])
    role = forms.CharField(label=_("Role"), required=False, max_length=80)

    def __init__(self, *args: Any, actor: Member, **kwargs: Any):
        kwargs.setdefault("auto_id", "dealcontact_%s")
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "—"), *reference_choices(actor, Contact, None)]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("At most 25 MB."))
    replaces = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", "attachment_%s")
        super().__init__(*args, **kwargs)
