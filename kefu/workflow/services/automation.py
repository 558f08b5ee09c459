"""Running automation rules. ``fire(event, ticket)`` is called by the services where things
happen; the rules for that event run after the transaction commits, in order, each in its
own transaction, acting as the "automation" user through the ordinary ticket services.

- Cannot loop: changes made by rules never fire rules again (a context flag).
- A failing action rolls back that rule's actions only and is logged (AutomationRun
  "failed" with the reason); the change that fired the event is already committed.
- Audited: every rule that applied or failed leaves an AutomationRun row; the ticket's
  timeline shows each change with the automation user as actor.
- Free when unused: with no active rule for an event, ``fire`` costs a dictionary lookup.
"""

from __future__ import annotations

import contextvars
import logging

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role, Team, User
from kefu.core.errors import ApplicationError
from kefu.core.refcache import TableCache
from kefu.tickets.models import Ticket

from .. import automation_rules
from ..models import Alert, AutomationRule, AutomationRun
from .alerts import alert_create

log = logging.getLogger("kefu.automation")

AUTOMATION_USERNAME = "automation"
NOTIFY_TEXT = gettext_noop("Automation “%(rule)s” on #%(number)s: %(subject)s")
_RUNNING: contextvars.ContextVar[bool] = contextvars.ContextVar("kefu_automation", default=False)


def _load_rules() -> dict[str, list[dict]]:
    by_event: dict[str, list[dict]] = {}
    for rule in AutomationRule.objects.filter(active=True).order_by("order", "id"):
        by_event.setdefault(rule.event, []).append(
            {"id": rule.pk, "name": rule.name, "conditions": rule.conditions,
             "actions": rule.actions, "stop": rule.stop_processing})
    return by_event


RULES = TableCache(_load_rules)


def automation_user() -> User:
    """The actor of every change a rule makes (shown in timelines as "Automation")."""
    user = User.objects.filter(username=AUTOMATION_USERNAME).first()
    if user is None:
        user = User.objects.create(username=AUTOMATION_USERNAME, role=Role.ADMIN,
                                   display_name="自动化 Automation",
                                   password=make_password(None))
    return user


def fire(event: str, ticket: Ticket | int, **context) -> None:
    """Run the active rules for ``event`` on the ticket once the current transaction commits."""
    if _RUNNING.get() or not RULES.all().get(event):
        return
    ticket_id = ticket if isinstance(ticket, int) else ticket.pk
    transaction.on_commit(lambda: run_rules(event, ticket_id, context))


def run_rules(event: str, ticket_id: int, context: dict | None = None) -> list[AutomationRun]:
    token = _RUNNING.set(True)
    runs = []
    try:
        actor = automation_user()
        for rule in RULES.all().get(event, []):
            ticket = (Ticket.objects.select_related("customer__tier", "team", "category")
                      .filter(pk=ticket_id).first())
            if ticket is None:
                break
            facts = ticket_facts(ticket, context or {})
            if not automation_rules.matches(rule["conditions"], facts):
                continue
            runs.append(_apply_rule(rule, event, ticket, facts, actor))
            if rule["stop"] and runs[-1].outcome == AutomationRun.Outcome.APPLIED:
                break
    finally:
        _RUNNING.reset(token)
    return runs


def _apply_rule(rule: dict, event: str, ticket: Ticket, facts: dict, actor: User) -> AutomationRun:
    done = []
    try:
        with transaction.atomic():
            for action in rule["actions"]:
                done.append(_apply_action(action, ticket, facts, actor, rule))
    except Exception as exc:  # noqa: BLE001 - any failing action is logged, never fatal
        if isinstance(exc, ApplicationError | ObjectDoesNotExist | ValueError):
            log.warning("automation rule %s failed on ticket %s: %s", rule["id"], ticket.pk, exc)
        else:
            log.exception("automation rule %s crashed on ticket %s", rule["id"], ticket.pk)
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return AutomationRun.objects.create(
            rule_id=rule["id"], ticket=ticket, event=event, outcome=AutomationRun.Outcome.FAILED,
            detail={"error": str(message)[:500], "done_before_failure": done},
            created_at=timezone.now())
    return AutomationRun.objects.create(rule_id=rule["id"], ticket=ticket, event=event,
                                        outcome=AutomationRun.Outcome.APPLIED,
                                        detail={"actions": done}, created_at=timezone.now())


def ticket_facts(ticket: Ticket, context: dict) -> dict:
    """What conditions can test, from the ticket and the event (message text, sentiment)."""
    tags = list(ticket.tags.values_list("name", flat=True))
    text = "\n".join(x for x in (ticket.subject, ticket.description, context.get("text", "")) if x)
    return {
        "type": ticket.type, "priority": ticket.priority, "status": ticket.status,
        "channel": ticket.channel, "tier": ticket.customer.tier.code, "team": ticket.team.code,
        "category": ticket.category.code if ticket.category_id else "",
        "owner": "none" if ticket.owner_id is None else "someone",
        "tags": tags, "subject": ticket.subject, "text": text,
        "sentiment": context.get("sentiment", ""), "anger": bool(context.get("anger", False)),
        "_customer": ticket.customer.name, "_ticket": ticket.pk, "_subject": ticket.subject,
    }


def _apply_action(action: dict, ticket: Ticket, facts: dict, actor: User, rule: dict) -> str:
    from kefu.tickets import services as ticket_services

    kind = action["type"]
    if kind == "assign":
        team = Team.objects.get(code=action["team"]) if action.get("team") else None
        user = User.objects.get(username=action["user"]) if action.get("user") else None
        ticket_services.ticket_assign(ticket=ticket, actor=actor, assignee=user, team=team)
    elif kind == "set_priority":
        ticket_services.ticket_update(ticket=ticket, actor=actor, priority=action["value"])
    elif kind == "set_type":
        ticket_services.ticket_update(ticket=ticket, actor=actor, type=action["value"])
    elif kind == "add_tags":
        names = list(dict.fromkeys([*facts["tags"], *(t.strip() for t in action["tags"])]))
        ticket_services.ticket_update(ticket=ticket, actor=actor, tags=names)
    elif kind in ("add_note", "send_reply"):
        ticket_services.ticket_reply(ticket=ticket, actor=actor, automated=True,
                                     body=automation_rules.render(action["text"], facts),
                                     internal=kind == "add_note", channel="agent")
    elif kind == "notify":
        for person in _recipients(action["to"], ticket):
            alert_create(user=person, kind=Alert.Kind.AUTOMATION, ticket=ticket,
                         message=NOTIFY_TEXT, rule=rule["name"], number=ticket.pk,
                         subject=ticket.subject[:100])
    elif kind == "webhook":
        from ..tasks import automation_webhook

        payload = {"rule": rule["name"], "ticket": ticket.pk, "subject": ticket.subject,
                   "status": ticket.status, "priority": ticket.priority, "type": ticket.type}
        transaction.on_commit(lambda: automation_webhook(action["url"], payload))
    return kind


def _recipients(to: str, ticket: Ticket) -> list[User]:
    from .sla import supervisors_for

    active = User.objects.filter(is_active=True)
    if to == "owner":
        return list(active.filter(pk=ticket.owner_id)) if ticket.owner_id else supervisors_for(ticket)
    if to == "assignee":
        return list(active.filter(pk=ticket.assignee_id)) if ticket.assignee_id else []
    if to == "team":
        return list(active.filter(teams=ticket.team_id).exclude(username=AUTOMATION_USERNAME))
    return supervisors_for(ticket)
