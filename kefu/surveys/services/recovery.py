"""Closing the loop: a customer's low CSAT, NPS detractor score or large negative SERVQUAL
gap opens a recovery ticket — a complaint, filed at the policy's priority (so the SLA
policy for complaint × that priority applies), linked to the response.

``recovery_open`` runs **inside the response's transaction** (``responses._submit`` calls
it after the rollups): the response and its recovery ticket are stored together or not at
all, and the response's unique ``RecoveryLink`` makes it once per response. Ownership:

- a CSAT / NPS / CES response about a ticket: the surveyed ticket's owner (the agent the
  invitation names), in the surveyed ticket's team — the ticket starts open, owned by them;
- anything else (a wave): the team of the customer's branch, unowned (status new: the
  first agent who takes it becomes its owner, as with any ticket).

Anonymous responses never open a ticket (they keep no link to the customer); nor do staff
surveys or imported responses (they do not come through ``_submit``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, Team, User
from kefu.core.errors import ApplicationError
from kefu.core.refcache import TableCache, watch
from kefu.tickets.models import Message, Ticket, TicketEvent
from kefu.tickets.services import route_team
from kefu.workflow.services.automation import fire
from kefu.workflow.services.sla import sla_on_create

from .. import recovery_rules, rules
from ..models import RecoveryLink, RecoveryPolicy, Response
from ._common import event, require_admin

#: Staff who can own a ticket.
OWNER_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
#: Recovery tickets are made by kefu, not typed by a person: the "api" channel.
CHANNEL = "api"
MAX_COMMENT = 1000


def current_policy() -> RecoveryPolicy:
    """The policy row (created with the defaults the first time it is asked for)."""
    policy = RecoveryPolicy.objects.filter(pk=1).first()
    if policy is None:
        policy, _created = RecoveryPolicy.objects.get_or_create(pk=1)
    return policy


#: The policy, per process (``kefu.core.refcache``: no query per answer with a warm cache;
#: a save clears it in this process at once, in the others within the cache's seconds).
POLICY = TableCache(lambda: {p.pk: p for p in RecoveryPolicy.objects.all()})
watch(RecoveryPolicy, POLICY)


def cached_policy() -> RecoveryPolicy:
    return POLICY.all().get(1) or current_policy()


def check_policy(policy: RecoveryPolicy) -> None:
    """The rules every policy row obeys, wherever it is edited (admin screen or service)."""
    for field, _code in recovery_rules.threshold_problems(policy.thresholds()):
        message = {
            "csat_at_most": _("The CSAT threshold must be a whole number from 1 to 10."),
            "nps_at_most": _("The NPS threshold must be a whole number from 0 to 10."),
            "gap_at_most": _("The SERVQUAL gap threshold must be a number from −6 to 0."),
        }[field]
        raise ApplicationError(f"invalid_{field}", message, details={"field": field})
    if policy.priority not in ("normal", "high", "urgent"):
        raise ApplicationError("invalid_priority",
                               _("Recovery tickets are filed at normal, high or urgent "
                                 "priority."), details={"field": "priority"})


@transaction.atomic
def recovery_policy_save(*, actor: User, policy: RecoveryPolicy) -> RecoveryPolicy:
    require_admin(actor)
    policy.pk = 1
    check_policy(policy)
    policy.updated_at = timezone.now()
    policy.updated_by = actor
    policy.save()
    event("recovery_policy_changed", actor, active=policy.active,
          csat_at_most=policy.csat_at_most, nps_at_most=policy.nps_at_most,
          gap_at_most=policy.gap_at_most, priority=policy.priority)
    return policy


# --- opening the ticket ---------------------------------------------------------------------

def _owner(response: Response) -> User | None:
    if response.agent_id is None or response.ticket_id is None:
        return None
    agent = User.objects.filter(pk=response.agent_id, is_active=True,
                                role__in=OWNER_ROLES).first()
    return agent


def _team(response: Response, owner: User | None) -> Team:
    if owner is not None and response.ticket_id is not None:
        team = Team.objects.filter(tickets__pk=response.ticket_id).first()
        if team is not None:
            return team
    return route_team(customer=response.customer, actor=None)


def _subject(trigger: recovery_rules.Trigger, response: Response, instrument_name: str) -> str:
    score = f"{trigger.score:g}"
    if trigger.reason == recovery_rules.LOW_CSAT:
        if response.ticket_id:
            return _("Follow up a low satisfaction rating (%(score)s) on ticket #%(ticket)s") % {
                "score": score, "ticket": response.ticket_id}
        return _("Follow up a low satisfaction rating (%(score)s)") % {"score": score}
    if trigger.reason == recovery_rules.NPS_DETRACTOR:
        return _("Follow up an NPS detractor (score %(score)s of 10)") % {"score": score}
    from ..models.instruments import DIMENSIONS

    return _("Follow up a service-quality gap: %(dimension)s %(gap)s (%(survey)s)") % {
        "dimension": dict(DIMENSIONS).get(trigger.dimension, trigger.dimension),
        "gap": f"{trigger.score:+.2f}", "survey": instrument_name}


def _description(response: Response, comments: list[str]) -> str:
    """What the customer reads on the ticket (portal): in their language, no internals."""
    lines = [_("We are following up the survey you answered on %(date)s. We are sorry we "
               "fell short, and will be in touch.") % {
        "date": timezone.localtime(response.submitted_at).strftime("%Y-%m-%d")}]
    for text in comments:
        lines.append(_("You wrote: %(text)s") % {"text": text[:MAX_COMMENT]})
    return "\n\n".join(lines)


def _staff_note(trigger: recovery_rules.Trigger, response: Response) -> str:
    """The internal note: why the ticket was opened and what to do."""
    lines = [_("Opened by the survey response #%(response)s of %(date)s.") % {
        "response": response.pk,
        "date": timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M")}]
    if trigger.reason == recovery_rules.SERVQUAL_GAP:
        lines.append(_("The customer's %(measure)s in this dimension is %(gap)s; the policy "
                       "opens a ticket at %(threshold)s or below.") % {
            "measure": _("perception − adequate service") if trigger.column == "msa"
            else _("perception − expectation"),
            "gap": f"{trigger.score:+.2f}", "threshold": f"{trigger.threshold:+.2f}"})
    else:
        lines.append(_("The customer answered %(score)s; the policy opens a ticket at "
                       "%(threshold)s or below.") % {"score": f"{trigger.score:g}",
                                                    "threshold": f"{trigger.threshold:g}"})
    lines.append(_("Please contact the customer, apologise where due and put it right."))
    return "\n\n".join(lines)


def trigger_for(response: Response, *, kind: str, specs: list[rules.QuestionSpec],
                answers: list[rules.CleanAnswer], policy: RecoveryPolicy
                ) -> recovery_rules.Trigger | None:
    """Why this response calls for recovery under ``policy`` (None: it does not)."""
    if response.anonymous or response.customer_id is None or kind in rules.STAFF_KINDS:
        return None
    if not policy.active:
        return None
    return recovery_rules.recovery_trigger(kind, specs, answers, policy.thresholds())


@dataclass
class Opening:
    """The rows of one recovery ticket before they are written (``recovery_open`` writes
    them one by one, ``kefu.demo.survey_bulk`` for many responses at once)."""

    ticket: Ticket
    link: RecoveryLink
    note: Message
    data: dict  # the events' data

    def events(self) -> list[TicketEvent]:
        """The timeline rows, once the ticket has its id: ``created`` and ``survey_recovery``
        on the new ticket, ``survey_recovery_opened`` on the surveyed one (if any)."""
        t, at = self.ticket, self.ticket.created_at
        rows = [TicketEvent(ticket=t, actor=None, kind="created", created_at=at,
                            data={"status": t.status, "owner": t.owner_id, "channel": CHANNEL}),
                TicketEvent(ticket=t, actor=None, kind="survey_recovery", created_at=at,
                            data=self.data)]
        surveyed = self.link.response.ticket_id
        if surveyed:
            rows.append(TicketEvent(ticket_id=surveyed, actor=None,
                                    kind="survey_recovery_opened", created_at=at,
                                    data={**self.data, "ticket": t.pk}))
        return rows


def opening(response: Response, trigger: recovery_rules.Trigger, *, instrument,
            specs: list[rules.QuestionSpec], answers: list[rules.CleanAnswer],
            policy: RecoveryPolicy, customer, owner: User | None, team: Team,
            now) -> Opening:
    """The recovery ticket, its link, internal note and events' data for one response
    (nothing saved): a complaint of ``customer`` at the policy's priority, with its SLA due
    times from ``now``, in ``team``, owned by ``owner`` (open) or by nobody yet (new)."""
    by_id = {s.id: s for s in specs}
    comments = [a.text.strip() for a in answers
                if a.text and a.text.strip() and by_id[a.question_id].kind == rules.QuestionKind.TEXT]
    with translation.override(response.language or None):
        subject = _subject(trigger, response, instrument.label)[:300]
        description = _description(response, comments)
    with translation.override(settings.LANGUAGE_CODE):
        note = _staff_note(trigger, response)
    ticket = Ticket(subject=subject, description=description, customer=customer,
                    type="complaint", priority=policy.priority,
                    status="open" if owner else "new", channel=CHANNEL, team=team,
                    branch_id=team.branch_id or customer.branch_id, owner=owner, assignee=owner,
                    created_at=now, updated_at=now)
    sla_on_create(ticket, tier_id=customer.tier_id)
    data = {"response": response.pk, "instrument": instrument.code, "reason": trigger.reason,
            "score": trigger.score, "threshold": trigger.threshold,
            "dimension": trigger.dimension, "surveyed_ticket": response.ticket_id}
    link = RecoveryLink(response=response, ticket=ticket, reason=trigger.reason,
                        score=trigger.score, threshold=trigger.threshold,
                        dimension=trigger.dimension, created_at=now)
    message = Message(ticket=ticket, visibility=Message.Visibility.INTERNAL, body=note,
                      author=None, channel=CHANNEL)
    return Opening(ticket=ticket, link=link, note=message, data=data)


def recovery_open(response: Response, *, instrument,
                  specs: list[rules.QuestionSpec], answers: list[rules.CleanAnswer]
                  ) -> RecoveryLink | None:
    """Call inside the response's transaction, after the response is saved. Opens the
    recovery ticket when the policy says so; returns the link (None: no ticket)."""
    policy = cached_policy()
    trigger = trigger_for(response, kind=instrument.kind, specs=specs, answers=answers,
                          policy=policy)
    if trigger is None:
        return None
    existing = RecoveryLink.objects.filter(response_id=response.pk).first()
    if existing is not None:
        return existing
    owner = _owner(response)
    opened = opening(response, trigger, instrument=instrument, specs=specs, answers=answers,
                     policy=policy, customer=response.customer, owner=owner,
                     team=_team(response, owner), now=timezone.now())
    ticket, link = opened.ticket, opened.link
    try:
        with transaction.atomic():
            ticket.save(force_insert=True)
            link.ticket = ticket
            link.save(force_insert=True)
    except IntegrityError:  # another transaction linked this response first
        return RecoveryLink.objects.filter(response_id=response.pk).first()
    opened.note.ticket = ticket
    opened.note.save(force_insert=True)
    TicketEvent.objects.bulk_create(opened.events())
    fire("ticket_created", ticket)
    return link
