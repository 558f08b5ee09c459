"""Distribution: waves (a sample of customers or staff asked one version), the CSAT policy
(who is asked what after a ticket is resolved) and invitations (one person asked one
version once, with a single-use link)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Team
from kefu.core.models import BilingualName
from kefu.customers.models import Customer, Tier
from kefu.tickets.models import CHANNEL_CHOICES, TYPE_CHOICES, Ticket

from .. import rules
from .instruments import Instrument, InstrumentVersion

CHANNELS = [
    (rules.Channel.EMAIL.value, _("E-mail link")),
    (rules.Channel.PORTAL.value, _("Customer portal")),
    (rules.Channel.CONSOLE.value, _("Console (staff)")),
]
WAVE_STATUSES = [
    (rules.WaveStatus.DRAFT.value, _("Draft")),
    (rules.WaveStatus.OPEN.value, _("Open")),
    (rules.WaveStatus.CLOSED.value, _("Closed")),
]


class Wave(BilingualName):
    """One distribution of a published version to a sample of customers (by tier, branch,
    tag) or staff (by role, branch, team). The random seed is recorded, so the sample can be
    drawn again and checked."""

    class Audience(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        STAFF = "staff", _("Staff")

    instrument = models.ForeignKey(Instrument, verbose_name=_("Instrument"),
                                   on_delete=models.PROTECT, related_name="waves")
    version = models.ForeignKey(InstrumentVersion, verbose_name=_("Version"),
                                on_delete=models.PROTECT, related_name="waves", db_index=False)
    audience = models.CharField(verbose_name=_("Audience"), max_length=10,
                                choices=Audience.choices, default=Audience.CUSTOMERS)
    #: {"tiers": [codes], "branches": [codes], "tags": [names]} for customers;
    #: {"roles": [...], "branches": [codes], "teams": [codes]} for staff. Empty: everyone.
    filters = models.JSONField(verbose_name=_("Audience filters"), default=dict, blank=True)
    sample_size = models.PositiveIntegerField(verbose_name=_("Sample size"), null=True,
                                              blank=True)
    sample_fraction = models.FloatField(verbose_name=_("Sample fraction"), null=True, blank=True,
                                        help_text=_("Between 0 and 1; or give a sample size."))
    seed = models.BigIntegerField(verbose_name=_("Random seed"))
    channel = models.CharField(verbose_name=_("Channel"), max_length=8, choices=CHANNELS,
                               default=rules.Channel.EMAIL.value)
    #: Days after sending when a reminder goes to those who have not answered (at most 3).
    reminder_days = models.JSONField(verbose_name=_("Reminders (days after sending)"),
                                     default=list, blank=True)
    expires_days = models.PositiveSmallIntegerField(verbose_name=_("Open for (days)"), default=30)
    exclude_recent_days = models.PositiveSmallIntegerField(
        verbose_name=_("Skip people invited in the last (days)"), default=0)
    status = models.CharField(verbose_name=_("Status"), max_length=8, choices=WAVE_STATUSES,
                              default=rules.WaveStatus.DRAFT.value)
    #: A supervisor's wave: limited to their branch, and visible to them.
    branch = models.ForeignKey(Branch, verbose_name=_("Branch"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    population = models.PositiveIntegerField(verbose_name=_("Eligible"), null=True, blank=True)
    invited = models.PositiveIntegerField(verbose_name=_("Invited"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Created by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(verbose_name=_("Created"))
    launched_at = models.DateTimeField(verbose_name=_("Launched"), null=True, blank=True)
    closed_at = models.DateTimeField(verbose_name=_("Closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("Survey wave")
        verbose_name_plural = _("Survey waves")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_fraction__isnull=True),
                name="survey_wave_size_or_fraction"),
            models.CheckConstraint(
                condition=Q(sample_fraction__isnull=True)
                | (Q(sample_fraction__gt=0) & Q(sample_fraction__lte=1)),
                name="survey_wave_fraction_range"),
            models.CheckConstraint(condition=Q(sample_size__isnull=True) | Q(sample_size__gt=0),
                                   name="survey_wave_size_positive"),
        ]


class CsatPolicy(models.Model):
    """After a ticket is resolved, ask its customer ``instrument`` ``delay_minutes`` later.
    A row with a ticket type applies to that type; the row without one to every other type
    (internal tickets are never surveyed). Only tickets resolved after ``active_since``."""

    ticket_type = models.CharField(verbose_name=_("Ticket type"), max_length=20, blank=True,
                                   choices=[c for c in TYPE_CHOICES if c[0] != "internal"],
                                   help_text=_("Blank: every type without its own row."))
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("Instrument"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind__in": ["csat", "nps", "ces", "custom"]})
    delay_minutes = models.PositiveIntegerField(verbose_name=_("Delay after resolution (minutes)"),
                                                default=60)
    channel = models.CharField(verbose_name=_("Channel"), max_length=8,
                               choices=CHANNELS[:2], default=rules.Channel.EMAIL.value)
    expires_days = models.PositiveSmallIntegerField(verbose_name=_("Open for (days)"), default=14)
    reminder_days = models.JSONField(verbose_name=_("Reminders (days after sending)"),
                                     default=list, blank=True)
    active = models.BooleanField(verbose_name=_("Active"), default=True)
    active_since = models.DateTimeField(
        verbose_name=_("Active since"),
        help_text=_("Tickets resolved before this moment are not surveyed."))
    #: Tickets resolved up to here have been looked at (the periodic job's watermark).
    swept_until = models.DateTimeField(verbose_name=_("Looked at up to"), null=True, blank=True,
                                       editable=False)
    updated_at = models.DateTimeField(verbose_name=_("Updated"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Updated by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("CSAT policy")
        verbose_name_plural = _("CSAT policies")
        ordering = ["ticket_type", "instrument_id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "instrument"],
                                    name="survey_csat_policy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_type or '*'} → {self.instrument_id}"


class Invitation(models.Model):
    """One person asked one version once. The link's token is never stored: only its
    SHA-256 (``token_hash``) and the random salt it is derived from with the server's key
    (so a reminder can repeat the same link). The branch, team, owning agent, tier and
    contact channel are copied at invitation time: answers are sliced by who served the
    customer then, not by who does now."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)  # (ticket, instrument) constraint
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+",
                                db_index=False)  # versions with invitations are never deleted
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="invitations")
    policy = models.ForeignKey(CsatPolicy, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_index=False)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="survey_invitations", db_index=False)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="survey_invitations", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="survey_invitations",
                             db_index=False)
    channel = models.CharField(max_length=8, choices=CHANNELS)
    language = models.CharField(max_length=10, default="zh-hans")
    token_hash = models.CharField(max_length=64, unique=True)
    token_salt = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    #: When the link went out (e-mail queued), or was shown in the portal or console.
    sent_at = models.DateTimeField(null=True, blank=True)
    #: It could not go out: no e-mail address, or no consent to e-mail.
    undeliverable = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    #: Answered anonymously: the response is not linked to this invitation.
    answered_anonymously = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    # --- snapshot at invitation time -------------------------------------------------------
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
        verbose_name = _("Survey invitation")
        verbose_name_plural = _("Survey invitations")
        constraints = [
            models.CheckConstraint(condition=Q(customer__isnull=False) | Q(user__isnull=False),
                                   name="survey_invitation_has_respondent"),
            models.UniqueConstraint(fields=["ticket", "instrument"],
                                    condition=Q(ticket__isnull=False),
                                    name="survey_invitation_once_per_ticket"),
            models.UniqueConstraint(fields=["wave", "customer"],
                                    condition=Q(wave__isnull=False, customer__isnull=False),
                                    name="survey_invitation_once_per_wave_customer"),
            models.UniqueConstraint(fields=["wave", "user"],
                                    condition=Q(wave__isnull=False, user__isnull=False),
                                    name="survey_invitation_once_per_wave_user"),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="survey_inv_customer"),
            models.Index(fields=["user", "-created_at"], name="survey_inv_user"),
            models.Index(fields=["next_reminder_at"], name="survey_inv_reminder",
                         condition=Q(next_reminder_at__isnull=False)),
            models.Index(fields=["id"], name="survey_inv_unsent",
                         condition=Q(sent_at__isnull=True, undeliverable=False)),
        ]

    def __str__(self) -> str:
        return f"invitation #{self.pk}"
