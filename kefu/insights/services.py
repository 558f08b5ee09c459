"""Scoring customer text and acting on it. Every write of the insights app is here.

- ``score_message(message_id)``: a customer's public message.
- ``score_ticket_description(ticket_id)``: a ticket's opening words (subject and
  description) when the customer wrote them (``is_customer_description``).
- ``score_missed()``: the safety net the periodic job runs for anything the queue lost.
- ``texts_sentiment(texts, lang)``: stateless scoring for the API and the command line.

Scoring is idempotent: a text that already has its ``Sentiment`` row is left alone, so a
retried or duplicated job changes nothing. Storing a row and escalating happen in one
transaction: when the text is angry or strongly negative (``rules.should_escalate``) and the
ticket has not escalated in the last 24 hours, its priority goes up one step (urgent stays
urgent; never lowered), a ``sentiment_escalated`` event goes on its timeline and the
supervisors of its branch get an alert. Negative texts also fire the automation event
``negative_sentiment``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.core.errors import ApplicationError
from kefu.tickets.models import Message, Ticket, TicketEvent
from kefu.tickets.rules import OPEN_STATUSES
from kefu.tickets.services._common import _event, _save
from kefu.workflow.models import Alert
from kefu.workflow.services.alerts import alert_create
from kefu.workflow.services.automation import fire
from kefu.workflow.services.sla import sla_on_change, supervisors_for

from . import rules
from .models import Sentiment
from .sentiment import Sentiment as Result
from .sentiment import analyse, analyse_many, to_json

log = logging.getLogger("kefu.insights")

ESCALATED = "sentiment_escalated"
LANGS = ("auto", "zh", "en")
MAX_TEXTS = 1000
MAX_TEXT_CHARS = 10_000
#: The safety net looks this far back, skips texts younger than the grace period (their job
#: is probably still queued) and scores at most this many of each kind per run.
MISSED_WINDOW = timedelta(hours=24)
MISSED_GRACE = timedelta(minutes=1)
MISSED_BATCH = 500

ANGRY_ALERT = gettext_noop("Angry customer on ticket #%(number)s; its priority is now %(priority)s.")
UNHAPPY_ALERT = gettext_noop(
    "Very unhappy customer on ticket #%(number)s; its priority is now %(priority)s.")
#: Message ids of the priority names (the same as the ticket's choices), translated when the
#: alert is read.
PRIORITY_NAMES = {"low": gettext_noop("Low"), "normal": gettext_noop("Normal"),
                  "high": gettext_noop("High"), "urgent": gettext_noop("Urgent")}


# --- which texts are the customer's ----------------------------------------------------


def is_customer_message(message: Message) -> bool:
    return rules.is_customer_message(from_customer=message.from_customer,
                                     visibility=message.visibility)


def is_customer_description(ticket: Ticket) -> bool:
    """Whether the ticket's subject and description are the customer's own words."""
    return rules.is_customer_description(channel=ticket.channel,
                                         created_by_id=ticket.created_by_id,
                                         customer_user_id=ticket.customer.user_id)


#: ``is_customer_description`` as a filter.
CUSTOMER_DESCRIPTION = (Q(channel__in=rules.CUSTOMER_CHANNELS)
                        | Q(created_by_id=F("customer__user_id")))


def opening_words(ticket: Ticket) -> str:
    """What a ticket-description row scores: the subject and the description."""
    return "\n".join(part for part in (ticket.subject, ticket.description) if part and part.strip())


# --- scoring ---------------------------------------------------------------------------


def score_message(message_id: int) -> Sentiment | None:
    """Score a customer's public message (None for anything else or a missing message)."""
    message = (Message.objects.filter(pk=message_id)
               .only("pk", "ticket_id", "body", "from_customer", "visibility").first())
    if message is None or not is_customer_message(message):
        return None
    existing = Sentiment.objects.filter(message_id=message.pk).first()
    if existing is not None:
        return existing
    return _store(analyse(message.body), ticket_id=message.ticket_id, message=message,
                  text=message.body)


def score_ticket_description(ticket_id: int) -> Sentiment | None:
    """Score a ticket's opening words when the customer wrote them (else None)."""
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or not is_customer_description(ticket):
        return None
    existing = Sentiment.objects.filter(ticket_id=ticket.pk).first()
    if existing is not None:
        return existing
    text = opening_words(ticket)
    if not text:
        return None
    return _store(analyse(text), ticket_id=ticket.pk, ticket=ticket, text="")


def _store(result: Result, *, ticket_id: int, message: Message | None = None,
           ticket: Ticket | None = None, text: str) -> Sentiment:
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = Sentiment.objects.create(message=message, ticket=ticket, label=result.label,
                                               score=result.score, anger=result.anger,
                                               lang=result.lang, created_at=now)
        except IntegrityError:
            # Another run stored it first (the job and the safety net raced): it escalated.
            found = Sentiment.objects.filter(message=message, ticket=ticket).first()
            if found is None:
                raise
            return found
        if result.label == "negative":
            fire("negative_sentiment", ticket_id, sentiment=result.label, anger=result.anger,
                 text=text)
        if rules.should_escalate(result.score, result.anger):
            _escalate(ticket_id, row, now)
    return row


def _escalate(ticket_id: int, row: Sentiment, now: datetime) -> TicketEvent | None:
    """Priority one step up, a timeline event and supervisor alerts — at most once per
    ticket per ESCALATION_WINDOW, and only while the ticket is open."""
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("customer")
              .filter(pk=ticket_id).first())
    if ticket is None or ticket.status not in OPEN_STATUSES:
        return None
    if TicketEvent.objects.filter(ticket_id=ticket.pk, kind=ESCALATED,
                                  created_at__gt=now - rules.ESCALATION_WINDOW).exists():
        return None
    old = ticket.priority
    new = rules.raised_priority(old)
    if new != old:
        ticket.priority = new
        # Another policy may apply to the new priority: recompute the SLA due times.
        fields = {"priority", *sla_on_change(ticket, now, old_status=ticket.status,
                                             terms_changed=True)}
        _save(ticket, now, *sorted(fields))
    event = _event(ticket, None, ESCALATED, now, old=old, new=new, score=row.score,
                   anger=row.anger, message=row.message_id)
    event.save(force_insert=True)
    for person in supervisors_for(ticket):
        alert_create(user=person, kind=Alert.Kind.NEGATIVE, ticket=ticket,
                     message=ANGRY_ALERT if row.anger else UNHAPPY_ALERT, number=ticket.pk,
                     priority=PRIORITY_NAMES.get(new, new))
    return event


def score_missed(*, now: datetime | None = None, window: timedelta = MISSED_WINDOW,
                 grace: timedelta = MISSED_GRACE, batch: int = MISSED_BATCH) -> int:
    """Score the customer messages and ticket descriptions of the last ``window`` that have
    no row yet (a lost job); returns how many were scored. Each is its own transaction, and
    a failure is logged and skipped."""
    now = now or timezone.now()
    since, until = now - window, now - grace
    # A customer's message updates its ticket: the ticket index narrows the search.
    messages = (Message.objects.filter(ticket__updated_at__gte=since, created_at__gte=since,
                                       created_at__lte=until, from_customer=True,
                                       visibility=Message.Visibility.PUBLIC)
                .filter(~Exists(Sentiment.objects.filter(message_id=OuterRef("pk"))))
                .order_by("created_at", "pk").values_list("pk", flat=True)[:batch])
    tickets = (Ticket.objects.filter(created_at__gte=since, created_at__lte=until)
               .filter(CUSTOMER_DESCRIPTION)
               .filter(~Exists(Sentiment.objects.filter(ticket_id=OuterRef("pk"))))
               .order_by("created_at", "pk").values_list("pk", flat=True)[:batch])
    scored = 0
    for function, ids in ((score_ticket_description, list(tickets)), (score_message, list(messages))):
        for pk in ids:
            try:
                scored += function(pk) is not None
            except Exception:  # one bad row must not stop the net; the log keeps it
                log.exception("sentiment safety net: %s(%s) failed", function.__name__, pk)
    if scored:
        log.info("sentiment safety net scored %d texts the queue had missed", scored)
    return scored


# --- stateless scoring (API, command line) ---------------------------------------------


def texts_sentiment(texts: Sequence[str], lang: str = "auto") -> list[dict]:
    """``{"label", "score", "anger", "lang"}`` for each text, in order."""
    if lang not in LANGS:
        raise ApplicationError("invalid_lang", _("lang must be one of: %(allowed)s")
                               % {"allowed": ", ".join(LANGS)},
                               details={"field": "lang", "allowed": list(LANGS)})
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ApplicationError("invalid_texts", _("texts must be a list of strings."),
                               details={"field": "texts"})
    if not 1 <= len(texts) <= MAX_TEXTS:
        raise ApplicationError("invalid_texts", _("Send between 1 and %(max)d texts.")
                               % {"max": MAX_TEXTS}, details={"field": "texts"})
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ApplicationError("invalid_texts", _("texts must be a list of strings."),
                                   details={"field": f"texts.{i}"})
        if len(text) > MAX_TEXT_CHARS:
            raise ApplicationError("text_too_long",
                                   _("A text is longer than %(limit)d characters.")
                                   % {"limit": MAX_TEXT_CHARS}, details={"field": f"texts.{i}"})
    return [to_json(s) for s in analyse_many(texts, lang)]
