"""Alerts for staff inside kefu: SLA warnings and escalations, hand-off reminders, angry
customers, approvals waiting. Each is for one user; the console shows the unread ones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import Ticket

#: Alert arguments that hold a message id (translated when shown); the rest are data.
TRANSLATED_ARGS = {"target", "priority"}


class Alert(models.Model):
    class Kind(models.TextChoices):
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA breached")
        COMMITMENT = "commitment", _("Promised deadline")
        HANDOFF = "handoff", _("Hand-off")
        NEGATIVE = "negative", _("Upset customer")
        APPROVAL = "approval", _("Approval needed")
        FOLLOW_UP = "follow_up", _("Follow-up due")
        AUTOMATION = "automation", _("Automation")
        EMAIL_BOUNCE = "email_bounce", _("E-mail not delivered")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    #: Stored as a message id plus arguments so each reader sees it in their own language.
    message = models.CharField(max_length=200)
    args = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Alert")
        verbose_name_plural = _("Alerts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="alert_inbox")]

    @property
    def text(self) -> str:
        """The message in the reader's language, its arguments filled in."""
        # Arguments that are message ids themselves (an SLA target's name) are translated too.
        args = {k: gettext(v) if k in TRANSLATED_ARGS and isinstance(v, str) and v else v
                for k, v in (self.args or {}).items()}
        try:
            return gettext(self.message) % args
        except (KeyError, TypeError, ValueError):
            return gettext(self.message)
