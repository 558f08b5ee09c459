"""If-this-then-that rules admins edit: an event, conditions on the ticket, actions. Rules
run in ``order``; every run is logged; a rule's own changes never trigger rules again."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import Ticket


class AutomationEvent(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Ticket created")
    TICKET_UPDATED = "ticket_updated", _("Ticket updated")
    MESSAGE_IN = "message_in", _("Message from the customer")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    NEGATIVE_SENTIMENT = "negative_sentiment", _("Negative sentiment")
    RECOVERY_APPROVED = "recovery_approved", _("Recovery approved")


class AutomationRule(models.Model):
    name = models.CharField(verbose_name=_("Name"), max_length=120)
    order = models.PositiveIntegerField(verbose_name=_("Order"), default=100)
    active = models.BooleanField(verbose_name=_("Active"), default=True)
    event = models.CharField(verbose_name=_("When"), max_length=30, choices=AutomationEvent.choices)
    #: [{"field": "priority", "op": "eq", "value": "urgent"}, …] — all must hold.
    conditions = models.JSONField(verbose_name=_("Conditions"), default=list, blank=True)
    #: [{"type": "set_priority", "value": "high"}, …] — run in order.
    actions = models.JSONField(verbose_name=_("Actions"), default=list)
    stop_processing = models.BooleanField(verbose_name=_("Stop after this rule"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Automation rule")
        verbose_name_plural = _("Automation rules")
        ordering = ["order", "id"]


class AutomationRun(models.Model):
    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        NOT_MATCHED = "not_matched", _("Conditions not met")
        FAILED = "failed", _("Failed")

    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=30, choices=AutomationEvent.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Automation run")
        verbose_name_plural = _("Automation runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["rule", "-created_at"], name="automation_run_rule")]
