"""Tenants (workspaces), their members, roles and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    NONE = "none", _("None")
    OWN = "own", _("Own")
    TEAM = "team", _("Team")
    ALL = "all", _("All")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    ADD = "add", _("Add")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")


class Workspace(models.Model):
    """One company using Rapport; every record belongs to exactly one workspace."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(_("language"), max_length=8, default="en")
    base_currency = models.CharField(_("base currency"), max_length=3, default="EUR")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("workspace")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """What a member may do, per record type and action, with a scope (own / team / all)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(_("name"), max_length=100)
    is_admin = models.BooleanField(_("administrator"), default=False)
    # {"deal": {"view": "all", "add": "all", "edit": "own", "delete": "none"}, ...}
    permissions = models.JSONField(_("permissions"), default=dict, blank=True)

    class Meta:
        verbose_name = _("role")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="role_unique_name")]

    def __str__(self) -> str:
        return self.name

    def scope_for(self, record_type: str, action: str) -> str:
        if self.is_admin:
            return Scope.ALL
        return self.permissions.get(record_type, {}).get(action, Scope.NONE)


class Member(models.Model):
    """A person's membership of one workspace, with a role and a place in the org chart."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="members")
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="subordinates"
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="member_unique_user")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_admin(self) -> bool:
        return self.role.is_admin


class ApiToken(models.Model):
    """A bearer token bound to one member of one workspace; only its hash is stored."""

    PREFIX = "rpt_"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def hash_key(cls, key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class ExchangeRate(models.Model):
    """How many units of the workspace's base currency one unit of `currency` is worth, from a date (SPEC Q10)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="exchange_rates")
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate to base currency"), max_digits=18, decimal_places=8)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("exchange rate")
        constraints = [models.UniqueConstraint(fields=["workspace", "currency", "valid_from"], name="exchangerate_unique_day")]
        indexes = [models.Index(fields=["workspace", "currency", "-valid_from"], name="exchangerate_ws_cur")]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} ({self.valid_from})"
