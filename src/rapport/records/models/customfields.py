from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    USER = "user", _("User")
    LINK = "link", _("Link")
    BOOLEAN = "boolean", _("Yes / no")


class CustomFieldDefinition(TenantModel):
    """A field a workspace adds to one record type; values live in the record's `custom` JSON (SPEC R7)."""

    record_type = models.CharField(_("record type"), max_length=20)
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=14, choices=CustomFieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("custom field")
        ordering = ["record_type", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "record_type", "key"], name="customfield_unique_key")]

    def __str__(self) -> str:
        return self.label
