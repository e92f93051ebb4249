from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


class SavedFilter(TenantModel):
    """A named list view of one record type: filters, columns and sorting (SPEC R8).

    Personal when `owner` is set and `role` is not; shared with a role when `role` is set; the
    role's default list view when `is_role_default` is also set.
    """

    record_type = models.CharField(_("record type"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey("workspaces.Member", on_delete=models.CASCADE, null=True, blank=True, related_name="saved_filters", verbose_name=_("owner"))
    role = models.ForeignKey("workspaces.Role", on_delete=models.CASCADE, null=True, blank=True, related_name="saved_filters", verbose_name=_("shared with role"))
    is_role_default = models.BooleanField(_("default for the role"), default=False)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    ordering = models.CharField(_("sorting"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("saved filter")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "record_type", "owner"], name="savedfilter_ws_type")]

    def __str__(self) -> str:
        return self.name
