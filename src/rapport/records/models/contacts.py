from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import RecordModel


class Contact(RecordModel):
    """A person we deal with, usually an employee of an account (SPEC R2)."""

    RECORD_TYPE = "contact"

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    contact_type = models.CharField(_("contact type"), max_length=60, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    account = models.ForeignKey("records.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts", verbose_name=_("account"))
    emails = models.JSONField(_("e-mails"), default=list, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    messengers = models.JSONField(_("messengers"), default=dict, blank=True)
    owner = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner"))
    consent_email = models.BooleanField(_("consents to e-mail"), default=False)
    consent_phone = models.BooleanField(_("consents to calls"), default=False)
    tags = models.ManyToManyField("records.Tag", blank=True, related_name="+", verbose_name=_("tags"))
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        indexes = [
            models.Index(fields=["workspace", "last_name", "first_name", "id"], name="contact_ws_name"),
            models.Index(fields=["workspace", "owner", "last_name"], name="contact_ws_owner"),
            models.Index(fields=["workspace", "-created_at", "-id"], name="contact_ws_created"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
