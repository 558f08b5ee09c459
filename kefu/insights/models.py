"""Stored sentiment: one row per scored piece of customer text.

What is scored is either a customer's public message or a ticket's opening words (subject
and description) when the customer wrote them. A row points at exactly one of the two
(a check constraint), and each message or ticket has at most one row (partial unique
indexes, which also serve the lookups by message or ticket).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import Message, Ticket

LABEL_CHOICES = [
    ("positive", _("Positive")),
    ("neutral", _("Neutral")),
    ("negative", _("Negative")),
]
LANG_CHOICES = [("zh", _("Chinese")), ("en", _("English"))]


class Sentiment(models.Model):
    """How one piece of customer text feels (``kefu.insights.sentiment.analyse``)."""

    message = models.ForeignKey(Message, verbose_name=_("Message"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="sentiments",
                                db_index=False)  # sentiment_one_per_message serves lookups
    #: Set instead of ``message`` when the ticket's opening words are scored.
    ticket = models.ForeignKey(Ticket, verbose_name=_("Ticket"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="description_sentiments",
                               db_index=False)  # sentiment_one_per_ticket serves lookups
    label = models.CharField(verbose_name=_("Sentiment"), max_length=10, choices=LABEL_CHOICES)
    score = models.FloatField(verbose_name=_("Score"))
    anger = models.BooleanField(verbose_name=_("Angry or abusive"), default=False)
    lang = models.CharField(verbose_name=_("Language"), max_length=2, choices=LANG_CHOICES)
    created_at = models.DateTimeField(verbose_name=_("Scored at"), default=timezone.now)

    class Meta:
        verbose_name = _("Sentiment")
        verbose_name_plural = _("Sentiments")
        constraints = [
            models.CheckConstraint(
                name="sentiment_message_xor_ticket",
                condition=(Q(message__isnull=False, ticket__isnull=True)
                           | Q(message__isnull=True, ticket__isnull=False)),
            ),
            models.UniqueConstraint(fields=["message"], name="sentiment_one_per_message",
                                    condition=Q(message__isnull=False)),
            models.UniqueConstraint(fields=["ticket"], name="sentiment_one_per_ticket",
                                    condition=Q(ticket__isnull=False)),
            models.CheckConstraint(name="sentiment_score_range",
                                   condition=Q(score__gte=-1.0, score__lte=1.0)),
            models.CheckConstraint(name="sentiment_label_known",
                                   condition=Q(label__in=["positive", "neutral", "negative"])),
        ]

    def __str__(self) -> str:
        what = f"message {self.message_id}" if self.message_id else f"ticket {self.ticket_id}"
        return f"{what}: {self.label} {self.score:+.2f}{' anger' if self.anger else ''}"
