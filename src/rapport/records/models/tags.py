from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TenantModel


class Tag(TenantModel):
    """A label that can be put on accounts, contacts, leads and deals."""

    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    class Meta:
        verbose_name = _("tag")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name
