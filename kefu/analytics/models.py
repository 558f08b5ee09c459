"""Analytics settings an organisation edits: the impact panel's assumptions, managers'
weekly report subscriptions, and the public service-quality supervision page. The figures
themselves are read from the survey rollups and tickets (``selectors``), never stored here."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Team

from . import impact

_D = impact.Assumptions()


def _share(default: float, verbose: str, low: float = 0.0):
    return models.FloatField(verbose_name=verbose, default=default,
                             validators=[MinValueValidator(low), MaxValueValidator(1)],
                             help_text=_("A share between 0 and 1 (0.2 = 20%)."))


def _count(default: float, verbose: str, high: float):
    return models.FloatField(verbose_name=verbose, default=default,
                             validators=[MinValueValidator(0), MaxValueValidator(high)])


class ImpactAssumptions(models.Model):
    """The rules of thumb behind the word-of-mouth and churn panel (one row, id 1).
    Assumptions, not data: the page says so next to every figure they produce."""

    tell = _count(_D.tell, _("People a dissatisfied customer tells"), 1000)
    loud_share = _share(_D.loud_share, _("Share of dissatisfied customers who tell more"))
    loud_tell = _count(_D.loud_tell, _("People those customers tell"), 10000)
    complain_share = _share(_D.complain_share, _("Share of dissatisfied customers who complain"),
                            low=0.0001)
    silent_leave_share = _share(_D.silent_leave_share,
                                _("Share of silent dissatisfied customers who leave"))
    repair = _count(_D.repair, _("Good experiences that repair one bad one"), 1000)
    acquisition_multiple = _count(_D.acquisition_multiple,
                                  _("A new customer costs this many times keeping one"), 1000)
    keep_cost = models.DecimalField(verbose_name=_("Cost of keeping one customer"),
                                    max_digits=12, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(0)],
                                    help_text=_("Optional: the panel then shows the cost of "
                                                "replacing lost customers in money."))
    currency = models.CharField(verbose_name=_("Currency"), max_length=3, default="CNY")
    updated_at = models.DateTimeField(verbose_name=_("Updated"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Updated by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("Impact assumptions")
        verbose_name_plural = _("Impact assumptions")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="impact_assumptions_single")]

    def __str__(self) -> str:
        return str(_("Impact assumptions"))

    def assumptions(self) -> impact.Assumptions:
        return impact.Assumptions(
            tell=self.tell, loud_share=self.loud_share, loud_tell=self.loud_tell,
            complain_share=self.complain_share, silent_leave_share=self.silent_leave_share,
            repair=self.repair, acquisition_multiple=self.acquisition_multiple,
            keep_cost=self.keep_cost)


class ReportSubscription(models.Model):
    """A manager's weekly e-mail report: what it covers (everything, a branch or a team —
    within what they may see), in which language, on or off. ``last_week``: the Monday of
    the last week sent (each week goes once)."""

    class Scope(models.TextChoices):
        ALL = "all", _("Everything")
        BRANCH = "branch", _("A branch")
        TEAM = "team", _("A team")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Manager"),
                             on_delete=models.CASCADE, related_name="report_subscriptions")
    scope = models.CharField(verbose_name=_("Covers"), max_length=8, choices=Scope.choices,
                             default=Scope.ALL)
    branch = models.ForeignKey(Branch, verbose_name=_("Branch"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("Team"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    language = models.CharField(verbose_name=_("Language"), max_length=10,
                                choices=[("zh-hans", "简体中文"), ("en", "English")],
                                default="zh-hans")
    active = models.BooleanField(verbose_name=_("Active"), default=True)
    last_week = models.DateField(verbose_name=_("Last week sent"), null=True, blank=True,
                                 editable=False)
    created_at = models.DateTimeField(verbose_name=_("Created"))

    class Meta:
        verbose_name = _("Weekly report subscription")
        verbose_name_plural = _("Weekly report subscriptions")
        ordering = ["user_id", "scope", "id"]
        constraints = [
            # one per manager and scope (partial constraints: the same on SQLite and PostgreSQL)
            models.UniqueConstraint(fields=["user"], condition=Q(scope="all"),
                                    name="report_subscription_all_once"),
            models.UniqueConstraint(fields=["user", "branch"], condition=Q(scope="branch"),
                                    name="report_subscription_branch_once"),
            models.UniqueConstraint(fields=["user", "team"], condition=Q(scope="team"),
                                    name="report_subscription_team_once"),
            models.CheckConstraint(
                condition=(Q(scope="all", branch__isnull=True, team__isnull=True)
                           | Q(scope="branch", branch__isnull=False, team__isnull=True)
                           | Q(scope="team", branch__isnull=True, team__isnull=False)),
                name="report_subscription_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_scope_display()}"


class PublicPage(models.Model):
    """The public service-quality supervision page (服务质量监督平台): off until an
    administrator switches it on. One row (id 1)."""

    enabled = models.BooleanField(verbose_name=_("Published"), default=False)
    title = models.CharField(verbose_name=_("Title"), max_length=120, blank=True)
    title_en = models.CharField(verbose_name=_("English title"), max_length=120, blank=True)
    months = models.PositiveSmallIntegerField(
        verbose_name=_("Months shown"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("The figures cover this month and the ones before it."))
    min_n = models.PositiveIntegerField(
        verbose_name=_("Fewest answers shown"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("Below this many answers a branch shows “too few answers”."))
    cache_seconds = models.PositiveIntegerField(
        verbose_name=_("Cache (seconds)"), default=60,
        validators=[MinValueValidator(0), MaxValueValidator(3600)])
    updated_at = models.DateTimeField(verbose_name=_("Updated"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Updated by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("Public supervision page")
        verbose_name_plural = _("Public supervision page")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="public_page_single")]

    def __str__(self) -> str:
        return str(_("Public supervision page"))


class QualityEvent(models.Model):
    """The audit trail of these settings: who changed what, when (and each weekly report
    sent)."""

    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Quality settings event")
        verbose_name_plural = _("Quality settings events")
        ordering = ["-created_at", "-id"]
