"""Hand-off to a back-office team (转后台): a request the receiving team accepts or rejects
with a reason. The owner stays accountable throughout (首问负责制)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Team
from kefu.tickets.models import Ticket


class Handoff(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the team")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="handoffs")
    from_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey(Team, verbose_name=_("To team"), on_delete=models.PROTECT,
                                related_name="handoffs_in")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    note = models.TextField(verbose_name=_("What the team should do"), max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(verbose_name=_("Reason"), max_length=2000, blank=True)
    #: Last reminder to the owner while the request stays open.
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Hand-off")
        verbose_name_plural = _("Hand-offs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to_team", "status"], name="handoff_team_status")]
        constraints = [
            # One open request per ticket at a time: a second would make two teams work it.
            models.UniqueConstraint(fields=["ticket"], condition=Q(status="open"),
                                    name="handoff_one_open_per_ticket"),
        ]
