"""The survey audit trail: who created, changed, published, launched or closed what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyEvent(models.Model):
    """One row per administrative change, written in the same transaction as the change.
    (A response is its own record; a named respondent's also goes on the customer timeline.)"""

    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    instrument = models.ForeignKey("surveys.Instrument", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey("surveys.InstrumentVersion", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+", db_index=False)
    wave = models.ForeignKey("surveys.Wave", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="events")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Survey event")
        verbose_name_plural = _("Survey events")
        ordering = ["-created_at", "-id"]
