"""Deflection: a customer writing a new request sees suggested articles; opening one and then
not filing the request counts as a deflection."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

OUTCOME_CHOICES = [
    ("open", _("Still open")),
    ("deflected", _("Deflected")),
    ("filed", _("Request filed")),
    ("abandoned", _("Left without opening an article")),
]


class DeflectionSession(models.Model):
    """One customer's visit to the new-request page while suggestions were shown."""

    key = models.CharField(max_length=43, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=10, blank=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    last_query = models.CharField(max_length=200, blank=True)
    shown_count = models.PositiveIntegerField(default=0)
    opened_article = models.ForeignKey("knowledge.Article", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=OUTCOME_CHOICES, default="open")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["outcome", "last_seen_at"], name="kb_deflect_open"),
                   models.Index(fields=["-started_at"], name="kb_deflect_recent")]


class DeflectionEvent(models.Model):
    """shown, opened, filed, deflected, abandoned — written with the change it records."""

    session = models.ForeignKey(DeflectionSession, on_delete=models.CASCADE,
                                related_name="events")
    kind = models.CharField(max_length=12)
    article = models.ForeignKey("knowledge.Article", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
