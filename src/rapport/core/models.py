"""Abstract bases shared by every tenant-owned record."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TenantModel(models.Model):
    """A row that belongs to exactly one workspace."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class RecordModel(TenantModel):
    """A CRM record: owned, versioned for optimistic concurrency, timestamped."""

    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), db_index=False)
    updated_at = models.DateTimeField(_("updated"))
    created_by = models.ForeignKey(
        "workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        abstract = True
