from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.workspace_id}/{instance.object_type}/{instance.object_id}/{filename}"


class Attachment(TenantModel):
    """A file attached to any record; a new upload of the same document is a new version (SPEC R9)."""

    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.BigIntegerField(_("object id"))
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("previous version"))
    uploaded_by = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("attachment")
        indexes = [
            models.Index(fields=["workspace", "object_type", "object_id", "-uploaded_at"], name="attachment_ws_object"),
            models.Index(fields=["workspace", "-uploaded_at"], name="attachment_ws_time"),
        ]

    def __str__(self) -> str:
        return self.name
