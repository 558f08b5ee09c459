"""Responses, their answers, and the rollups updated with each response.

Answers are the big table (ten million rows in the benchmark): small integer columns, one
index (the unique ``(response, question, column)``), no foreign-key index on the question.
Dashboards read ``Rollup`` instead (see kefu/surveys/rollups.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Team
from kefu.customers.models import Customer, Tier
from kefu.tickets.models import CHANNEL_CHOICES, Ticket

from .. import rules
from .distribution import Invitation, Wave
from .instruments import Instrument, InstrumentVersion, Question

SOURCES = [
    (rules.Source.LINK.value, _("E-mailed link")),
    (rules.Source.PORTAL.value, _("Customer portal")),
    (rules.Source.CONSOLE.value, _("Console")),
    (rules.Source.API.value, _("API")),
    (rules.Source.IMPORT.value, _("Import")),
]


class Response(models.Model):
    """One submitted survey. Named responses point at their invitation (one response per
    invitation: unique). Anonymous ones keep no link to the invitation, the customer, the
    user or the ticket, and only the day they were given; one per invitation is still
    enforced through ``invitation_digest`` (a keyed hash of the invitation, unique)."""

    invitation = models.OneToOneField(Invitation, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="response")
    invitation_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)  # resp_instrument_submitted leads with it
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT,
                                related_name="responses")
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="responses")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="survey_responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="survey_responses")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="survey_responses")
    anonymous = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=SOURCES)
    language = models.CharField(max_length=10, default="zh-hans")
    submitted_at = models.DateTimeField()
    #: The first day of the month (business time zone) the rollups counted it in.
    period = models.DateField()
    external_ref = models.CharField(max_length=80, blank=True)
    # --- slice, copied from the invitation -------------------------------------------------
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_index=False)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_index=False)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_index=False)
    contact_channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES, blank=True)

    class Meta:
        verbose_name = _("Survey response")
        verbose_name_plural = _("Survey responses")
        indexes = [
            models.Index(fields=["-submitted_at", "-id"], name="resp_submitted"),
            models.Index(fields=["instrument", "-submitted_at", "-id"],
                         name="resp_instrument_submitted"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "external_ref"],
                                    condition=~Q(external_ref=""), name="resp_external_ref"),
            models.CheckConstraint(
                condition=Q(anonymous=False) | (Q(invitation__isnull=True)
                                                & Q(customer__isnull=True)
                                                & Q(user__isnull=True)
                                                & Q(ticket__isnull=True)),
                name="resp_anonymous_unlinked"),
        ]

    def __str__(self) -> str:
        return f"response #{self.pk}"


class Answer(models.Model):
    """One value of a response: a question's column (``rules.Column``), with a number (scale
    value, chosen option's position, points), the chosen option codes, or text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers",
                                 db_index=False)  # answer_once leads with it
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)  # questions of answered versions stay
    column = models.PositiveSmallIntegerField(default=0)
    value = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(null=True, blank=True)
    text = models.TextField(null=True, blank=True)

    class Meta:
        verbose_name = _("Answer")
        verbose_name_plural = _("Answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question", "column"], name="answer_once"),
        ]


class RollupSums(models.Model):
    """What ``Rollup`` and ``RollupTotal`` share: the key columns of a slice (ids, 0 for
    "none") and the running sums (count, Σx, Σx²)."""

    period = models.DateField()
    instrument_id = models.IntegerField()
    question_id = models.IntegerField(default=0)
    dimension = models.CharField(max_length=16, blank=True, default="")
    column = models.PositiveSmallIntegerField(default=0)
    option = models.PositiveSmallIntegerField(default=0)
    branch_id = models.IntegerField(default=0)
    team_id = models.IntegerField(default=0)
    tier_id = models.IntegerField(default=0)
    agent_id = models.IntegerField(default=0)
    count = models.BigIntegerField(default=0)
    total = models.FloatField(default=0)
    total_sq = models.FloatField(default=0)

    class Meta:
        abstract = True


class Rollup(RollupSums):
    """Running totals per instrument × month × question (0: response-level rows) ×
    dimension × column × option × branch × team × tier × agent × contact channel, updated
    in the transaction of each response (``kefu.surveys.rollups.apply``). The slice ids
    are plain integers with 0 for "none" (so that the unique key works the same on SQLite
    and PostgreSQL); ``agent_id`` is only filled for CSAT, NPS and CES. What each row means:
    ``rollup_rules.rollup_deltas``. Mean = total / count; variance from total_sq."""

    channel = models.CharField(max_length=10, blank=True, default="")

    KEY = ("instrument_id", "period", "question_id", "dimension", "column", "option",
           "branch_id", "team_id", "tier_id", "agent_id", "channel")

    class Meta:
        verbose_name = _("Survey rollup")
        verbose_name_plural = _("Survey rollups")
        indexes = [
            # a contact-channel filter (the one slice ``RollupTotal`` does not keep) reads
            # only that channel's rows; count and total are not indexed, so adding to a row
            # never touches it
            models.Index(fields=["instrument_id", "channel", "period"],
                         name="survey_rollup_channel"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["instrument_id", "period", "question_id", "dimension",
                                            "column", "option", "branch_id", "team_id",
                                            "tier_id", "agent_id", "channel"],
                                    name="survey_rollup_key"),
        ]


class RollupTotal(RollupSums):
    """The same running totals at coarser grains, kept in the same transaction as ``Rollup``
    by ``kefu.surveys.rollups.upsert`` (each row is the sum of the ``Rollup`` rows it
    covers), so that the dashboards add up hundreds of rows, not a hundred thousand:

    - ``TOTAL`` (0): per instrument × month × question × dimension × column × option, every
      slice summed (``branch_id``, ``team_id``, ``tier_id``, ``agent_id`` are 0) — read when
      the filter sets no slice and the viewer sees everything;
    - ``UNIT`` (1): the same per branch × team × agent (0: none; ``tier_id`` 0), tier and
      contact channel summed — read for a branch, team or agent, a scope, or grouped by them
      (the scores per team, agent, branch);
    - ``TIER`` (2): per branch × team × tier × agent, the contact channel summed — read when
      the filter sets a tier.

    A filter on the contact channel reads ``Rollup``."""

    TOTAL = 0
    UNIT = 1
    TIER = 2

    grain = models.PositiveSmallIntegerField(default=TOTAL)

    KEY = ("instrument_id", "grain", "period", "question_id", "dimension", "column", "option",
           "branch_id", "team_id", "tier_id", "agent_id")

    class Meta:
        verbose_name = _("Survey rollup total")
        verbose_name_plural = _("Survey rollup totals")
        constraints = [
            models.UniqueConstraint(fields=["instrument_id", "grain", "period", "question_id",
                                            "dimension", "column", "option", "branch_id",
                                            "team_id", "tier_id", "agent_id"],
                                    name="survey_rollup_total_key"),
        ]
