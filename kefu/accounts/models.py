"""Who works here and who may do what: users with roles, branches, teams, API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from kefu.core.models import BilingualName


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


STAFF_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR}


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Branch(BilingualName):
    """A branch, shop or site (网点/门店). Supervisors see their branch."""

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    time_zone = models.CharField(verbose_name=_("Time zone"), max_length=64, default="Asia/Shanghai")

    class Meta:
        verbose_name = _("Branch")
        verbose_name_plural = _("Branches")
        ordering = ["code"]


class Team(BilingualName):
    """A group of agents that shares a queue. A team without a branch serves every branch."""

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    branch = models.ForeignKey(Branch, verbose_name=_("Branch"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="teams")

    class Meta:
        verbose_name = _("Team")
        verbose_name_plural = _("Teams")
        ordering = ["code"]


class User(AbstractUser):
    role = models.CharField(verbose_name=_("Role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(verbose_name=_("Display name"), max_length=120, blank=True)
    language = models.CharField(verbose_name=_("Language"), max_length=10, choices=Language.choices,
                                default=Language.ZH_HANS)
    time_zone = models.CharField(verbose_name=_("Time zone"), max_length=64, default="Asia/Shanghai")
    branch = models.ForeignKey(Branch, verbose_name=_("Branch"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="users")
    teams = models.ManyToManyField(Team, verbose_name=_("Teams"), blank=True, related_name="members")

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("Users")
        # the portal finds a customer's login by address, ignoring case
        indexes = [models.Index(Upper("username"), name="user_username_upper")]


    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def can_write(self) -> bool:
        return self.role in {Role.AGENT, Role.SUPERVISOR, Role.ADMIN}

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the clear token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("Portal login"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(verbose_name=_("Name"), max_length=80, blank=True)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")


    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginFailure(models.Model):
    """One failed sign-in; recent failures per username lock the account for a while."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
