"""SLA policy as data a business edits: calendars, closed days per branch, policies chosen
by tier × priority × type, and each ticket's SLA record (pauses, exact figures, alerts).

The due times themselves live on the ticket row (``Ticket.first_response_due`` …) so the
inbox can show and sort them without a join; the maths is ``kefu.workflow.calendar``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch
from kefu.core.models import BilingualName
from kefu.customers.models import Tier
from kefu.tickets.models import PRIORITY_CHOICES, TYPE_CHOICES, Ticket


class Calendar(BilingualName):
    """Working hours, time zone and public holidays (``data``: the JSON form read by
    ``kefu.workflow.calendar.calendar_from_dict``)."""

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    data = models.JSONField(verbose_name=_("Hours and holidays"), default=dict)

    class Meta:
        verbose_name = _("Business calendar")
        verbose_name_plural = _("Business calendars")
        ordering = ["code"]


class BranchClosedDay(models.Model):
    """A day a branch is closed beyond the calendar (stock-take, local holiday, typhoon)."""

    branch = models.ForeignKey(Branch, verbose_name=_("Branch"), on_delete=models.CASCADE,
                               related_name="closed_days")
    day = models.DateField(verbose_name=_("Date"))
    reason = models.CharField(verbose_name=_("Reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Branch closed day")
        verbose_name_plural = _("Branch closed days")
        ordering = ["branch", "day"]
        constraints = [models.UniqueConstraint(fields=["branch", "day"], name="branch_closed_day_unique")]


class SlaPolicy(BilingualName):
    """Targets for the tickets it matches. Policies are tried in ``order``; the first whose
    tier, priority and type match (blank matches anything) wins; the default policy
    (exactly one) catches the rest."""

    order = models.PositiveIntegerField(verbose_name=_("Order"), default=100)
    active = models.BooleanField(verbose_name=_("Active"), default=True)
    is_default = models.BooleanField(verbose_name=_("Default policy"), default=False)
    tier = models.ForeignKey(Tier, verbose_name=_("Customer tier"), null=True, blank=True,
                             on_delete=models.PROTECT)
    priority = models.CharField(verbose_name=_("Priority"), max_length=10, blank=True,
                                choices=PRIORITY_CHOICES)
    type = models.CharField(verbose_name=_("Type"), max_length=20, blank=True, choices=TYPE_CHOICES)
    calendar = models.ForeignKey(Calendar, verbose_name=_("Business calendar"), on_delete=models.PROTECT)
    first_response_minutes = models.PositiveIntegerField(
        verbose_name=_("First response within (business minutes)"), null=True, blank=True)
    next_update_minutes = models.PositiveIntegerField(
        verbose_name=_("Next update within (business minutes)"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(
        verbose_name=_("Resolution within (business minutes)"), null=True, blank=True)
    sunset_rule = models.BooleanField(
        verbose_name=_("Sunset rule (日落原则)"), default=False,
        help_text=_("Resolve or update the ticket before the end of the working day on which it arrived."))
    pause_when_pending_customer = models.BooleanField(
        verbose_name=_("Pause while waiting on the customer"), default=True)
    warn_at_percent = models.PositiveSmallIntegerField(
        verbose_name=_("Warn when this share of the target has passed (%)"), default=75)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="sla_one_default_policy"),
            models.CheckConstraint(condition=Q(warn_at_percent__gte=1, warn_at_percent__lte=100),
                                   name="sla_warn_percent_range"),
        ]


class TicketSla(models.Model):
    """A ticket's SLA record beyond the due times on the ticket: the pauses (waiting on the
    customer), exact figures in business minutes when the targets are met, and which
    warnings and escalations have been sent (so the periodic job sends each once)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True,
                                  related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    #: [[start ISO, end ISO or null, "customer"|"resolved"], …] — the clock stops inside them.
    pauses = models.JSONField(default=list, blank=True)
    #: The next-update target runs from the last public staff reply.
    last_public_reply_at = models.DateTimeField(null=True, blank=True)
    first_response_minutes = models.FloatField(null=True, blank=True)
    resolution_minutes = models.FloatField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    next_update_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    sunset_breached = models.BooleanField(default=False)
    #: Alerts sent per target: {"first_response": "warned"|"breached"|"escalated", …}
    alerts = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Ticket SLA")
        verbose_name_plural = _("Ticket SLAs")

    @property
    def breached(self) -> bool:
        return (self.first_response_breached or self.next_update_breached
                or self.resolution_breached or self.sunset_breached)

