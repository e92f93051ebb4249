from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import RecordModel, TenantModel


class AccountKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")
    OTHER = "other", _("Other")


class AccountType(TenantModel):
    """A configurable kind of account (customer, supplier, ...), each a person, company or other."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.COMPANY)

    class Meta:
        verbose_name = _("account type")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="accounttype_unique_name")]

    def __str__(self) -> str:
        return self.name


class AccountGroup(TenantModel):
    """A named group of accounts (e.g. "Key accounts", "Region north")."""

    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("account group")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="accountgroup_unique_name")]

    def __str__(self) -> str:
        return self.name


class Account(RecordModel):
    """A customer: a company or a person, possibly part of a parent account (SPEC R1)."""

    RECORD_TYPE = "account"
    HAS_GLOBAL_FLAG = True
    HAS_PRIVATE_FLAG = True

    account_type = models.ForeignKey(AccountType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("type"))
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    emails = models.JSONField(_("e-mails"), default=list, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    website = models.URLField(_("website"), blank=True)
    owner = models.ForeignKey("workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner"))
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children", verbose_name=_("parent account"))
    groups = models.ManyToManyField(AccountGroup, blank=True, related_name="accounts", verbose_name=_("groups"))
    tags = models.ManyToManyField("records.Tag", blank=True, related_name="+", verbose_name=_("tags"))
    favourited_by = models.ManyToManyField("workspaces.Member", blank=True, related_name="favourite_accounts")
    is_global = models.BooleanField(_("global"), default=False)
    is_private = models.BooleanField(_("private"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        indexes = [
            models.Index(fields=["workspace", "name", "id"], name="account_ws_name"),
            models.Index(fields=["workspace", "owner", "name"], name="account_ws_owner"),
            models.Index(fields=["workspace", "-created_at", "-id"], name="account_ws_created"),
            # Private accounts are few: the permission filter of events, search and every list
            # that may touch an account ("private ones not mine") reads this small index.
            models.Index(fields=["workspace", "created_by"], condition=models.Q(is_private=True), name="account_ws_private"),
        ]

    def __str__(self) -> str:
        return self.name
