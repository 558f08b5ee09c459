"""Closed loop: the policy that says which answers open a recovery ticket (one row an
administrator edits), and the link between a response and the ticket it opened (once per
response: unique)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import PRIORITY_CHOICES, Ticket

from .. import recovery_rules
from .responses import Response

REASON_CHOICES = [
    (recovery_rules.LOW_CSAT, _("Low satisfaction rating")),
    (recovery_rules.NPS_DETRACTOR, _("NPS detractor")),
    (recovery_rules.SERVQUAL_GAP, _("Large negative SERVQUAL gap")),
]


class RecoveryPolicy(models.Model):
    """Which answers open a recovery ticket (a complaint, filed at ``priority``: the SLA
    policy matching complaint × that priority applies). One row (id 1); blank thresholds
    switch that rule off."""

    active = models.BooleanField(verbose_name=_("Open recovery tickets"), default=True)
    csat_at_most = models.PositiveSmallIntegerField(
        verbose_name=_("CSAT rating at most"), null=True, blank=True, default=2,
        help_text=_("A satisfaction rating at or below this (1–5 scale) opens a ticket; "
                    "blank: never."))
    nps_at_most = models.PositiveSmallIntegerField(
        verbose_name=_("NPS score at most"), null=True, blank=True, default=6,
        help_text=_("A likelihood to recommend at or below this (0–10; 6 and below are "
                    "detractors) opens a ticket; blank: never."))
    gap_at_most = models.FloatField(
        verbose_name=_("SERVQUAL dimension gap at most"), null=True, blank=True, default=-1.5,
        help_text=_("A customer's gap (perception − expectation; in the three-column form "
                    "perception − adequate) in any dimension at or below this (−6 to 0) opens "
                    "a ticket; blank: never."))
    priority = models.CharField(verbose_name=_("Priority of recovery tickets"), max_length=10,
                                choices=[c for c in PRIORITY_CHOICES if c[0] != "low"],
                                default="high")
    updated_at = models.DateTimeField(verbose_name=_("Updated"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Updated by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("Survey recovery policy")
        verbose_name_plural = _("Survey recovery policy")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="survey_recovery_policy_single"),
        ]

    def __str__(self) -> str:
        return str(_("Survey recovery policy"))

    def thresholds(self) -> recovery_rules.Thresholds:
        return recovery_rules.Thresholds(csat_at_most=self.csat_at_most,
                                         nps_at_most=self.nps_at_most,
                                         gap_at_most=self.gap_at_most)


class RecoveryLink(models.Model):
    """A response and the recovery ticket it opened, with why."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="recovery")
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE,
                                  related_name="survey_recovery")
    reason = models.CharField(verbose_name=_("Reason"), max_length=16, choices=REASON_CHOICES)
    score = models.FloatField(verbose_name=_("Score"))
    threshold = models.FloatField(verbose_name=_("Threshold"))
    dimension = models.CharField(verbose_name=_("Dimension"), max_length=16, blank=True)
    created_at = models.DateTimeField(verbose_name=_("Opened"))

    class Meta:
        verbose_name = _("Survey recovery ticket")
        verbose_name_plural = _("Survey recovery tickets")
        indexes = [models.Index(fields=["created_at"], name="survey_recovery_created")]
