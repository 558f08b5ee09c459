"""The demo's bulk path for survey history: what the survey services write, for thousands of
invitations and responses in a handful of statements.

``kefu demo`` replays months of surveys. Launching waves and saving policies goes through the
services themselves (``wave_create``, ``wave_launch``, ``wave_close``, ``csat_policy_save``);
but sending one e-mail and writing one response at a time costs 4–7 ms each, half a minute
for the demo's 6,000 invitations and 2,000 responses. So for the past this module writes the
same rows in bulk:

- ``deliver``: what ``invitations.send`` (and later ``remind_due``) leave on an invitation —
  ``sent_at``, ``undeliverable``, the reminder sent or not. No ``OutboundEmail`` rows: that
  e-mail went out long ago, and nothing must be sent again when a worker starts.
- ``invite_after_tickets``: what ``csat_invite`` writes for a resolved ticket (the
  invitation with the ticket's slice, and the customer-timeline row).
- ``respond``: what ``responses._submit`` writes for each answer — the answers checked with
  the same rules (``rules.clean_answers``), the response with the invitation's slice, its
  ``Answer`` rows, the invitation marked answered, the timeline row, and the rollups, added
  up with the same ``rollups.rows_for`` and written with one ``rollups.upsert``; and the
  closed loop: the recovery tickets ``recovery.recovery_open`` would open for the low scores
  (``recover``).
- ``recover``: for every response the policy says calls for recovery
  (``recovery.trigger_for``), the rows ``recovery_open`` writes — built by the same
  ``recovery.opening`` (subject, description, internal note, SLA due times, owner and team
  chosen the same way), dated when the customer answered — with one ``bulk_create`` per
  table. Automation rules are not run: like the rest of the demo's history they would
  have run long ago.

``kefu/demo/tests/test_survey_bulk.py`` checks that the rows equal what the services write
and that the rollups equal ``kefu.surveys.rollups.recompute`` over the raw answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from kefu.accounts.lookups import teams_by_id
from kefu.accounts.models import User
from kefu.customers.models import Customer, CustomerEvent
from kefu.surveys import distribution_rules, rollups, rules, tokens
from kefu.surveys.models import Answer, Instrument, Invitation, RecoveryLink, Response
from kefu.surveys.services import invitations as invitation_services
from kefu.surveys.services import recovery
from kefu.surveys.services.responses import _local_day, answers_error, version_questions
from kefu.tickets.models import Message, Ticket, TicketEvent
from kefu.tickets.services import route_team

BATCH = 2000


@dataclass
class Answered:
    """One respondent answering ``invitation`` at ``at`` (a moment in the past)."""

    invitation: Invitation
    answers: dict  # question code → answer, as the API takes them
    at: datetime
    anonymous: bool = False
    source: str = rules.Source.LINK.value


def _set_times(model, field: str, rows: Sequence[tuple[int, datetime]]) -> None:
    """Backdate an ``auto_now_add`` column (bulk_create writes the current time there)."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s",
                           [(connection.ops.adapt_datetimefield_value(at), pk)
                            for pk, at in rows])


def timeline(rows: Iterable[tuple[int, str, dict, datetime]]) -> int:
    """Customer-timeline rows (customer id, kind, data, when), dated when they happened."""
    rows = list(rows)
    events = CustomerEvent.objects.bulk_create(
        [CustomerEvent(customer_id=c, kind=kind, data=data, actor=None) for c, kind, data, _at in rows],
        batch_size=BATCH)
    _set_times(CustomerEvent, "created_at", [(e.pk, row[3]) for e, row in zip(events, rows,
                                                                             strict=True)])
    return len(events)


def deliver(invitations: Sequence[Invitation], *, sent_at: dict[int, datetime],
            answered_at: dict[int, datetime], reminder_days: Sequence[int]) -> dict:
    """Mark invitations delivered as ``send`` would at ``sent_at[id]`` (those missing from
    it: undeliverable), and reminded as ``remind_due`` would for every reminder that fell
    due before the answer (``answered_at``) or, unanswered, before expiry. Returns counts.
    Call before ``respond`` (which clears the next reminder)."""
    rows = []
    counts = {"sent": 0, "undeliverable": 0, "reminded": 0}
    for inv in invitations:
        sent = sent_at.get(inv.pk)
        if sent is None:
            rows.append((None, True, None, 0, None, inv.pk))
            counts["undeliverable"] += 1
            continue
        counts["sent"] += 1
        stop = answered_at.get(inv.pk, inv.expires_at)
        reminders, last, due = 0, None, None
        if inv.channel != rules.Channel.PORTAL:
            due = distribution_rules.next_reminder_at(sent, reminder_days, 0, inv.expires_at)
            while due is not None and due <= stop:
                reminders, last = reminders + 1, due
                due = distribution_rules.next_reminder_at(sent, reminder_days, reminders,
                                                          inv.expires_at)
        counts["reminded"] += bool(reminders)
        rows.append((sent, False, last, reminders, due, inv.pk))
        inv.sent_at, inv.undeliverable, inv.reminded_at = sent, False, last
        inv.reminder_count, inv.next_reminder_at = reminders, due
    table = connection.ops.quote_name(Invitation._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET sent_at = %s, undeliverable = %s, reminded_at = %s, "
            f"reminder_count = %s, next_reminder_at = %s WHERE id = %s",
            [(adapt(s), u, adapt(r), n, adapt(d), pk) for s, u, r, n, d, pk in rows])
    return counts


def invite_after_tickets(plans: Sequence[tuple], *, versions: dict) -> list[Invitation]:
    """``csat_invite`` for many tickets: ``plans`` are (ticket with its customer, policy,
    moment). One invitation per ticket and instrument (the database refuses a second), with
    the ticket's branch, team, owner, channel and the customer's tier; a timeline row each."""
    built = []
    for ticket, policy, at in plans:
        customer = ticket.customer
        built.append(invitation_services.build(
            version=versions[policy.instrument_id], channel=policy.channel, now=at,
            policy=policy, ticket=ticket, customer=customer,
            expires_at=at + timedelta(days=policy.expires_days), branch_id=ticket.branch_id,
            team_id=ticket.team_id, agent_id=ticket.owner_id, tier_id=customer.tier_id,
            contact_channel=ticket.channel))
    Invitation.objects.bulk_create(built, batch_size=BATCH)
    codes = {p.instrument_id: p.instrument.code for _t, p, _at in plans}
    timeline((inv.customer_id, "survey_invited",
              {"instrument": codes[inv.instrument_id], "invitation": inv.pk,
               "ticket": inv.ticket_id}, inv.created_at) for inv in built)
    return built


def _insert_answers(rows: Sequence[tuple[int, rules.CleanAnswer]]) -> int:
    """The ``Answer`` rows ``_submit`` writes with ``bulk_create``, in one ``executemany``
    (tens of thousands of small rows: the ORM objects would cost more than the insert)."""
    choices = Answer._meta.get_field("choices")
    q = connection.ops.quote_name
    columns = ", ".join(q(Answer._meta.get_field(f).column)
                        for f in ("response", "question", "column", "value", "choices", "text"))
    params = [(response_id, a.question_id, int(a.column), a.value,
               choices.get_db_prep_save(list(a.choices) if a.choices is not None else None,
                                        connection), a.text)
              for response_id, a in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {q(Answer._meta.db_table)} ({columns}) "
                           f"VALUES (%s, %s, %s, %s, %s, %s)", params)
    return len(params)


def respond(items: Sequence[Answered], *, kinds: dict[int, str], codes: dict[int, str]) -> dict:
    """Write ``items`` as ``_submit`` would (see the module's doc). ``kinds`` and ``codes``:
    instrument id → kind and code. Every answer must pass the rules and every invitation be
    open at its moment: the demo writes no response the service would refuse. Returns
    counts."""
    questions: dict[int, tuple] = {}
    responses, cleaned = [], []
    for item in items:
        inv = item.invitation
        if inv.version_id not in questions:
            qs = version_questions(inv.version_id)
            questions[inv.version_id] = ({q.code: q for q in qs}, [q.spec() for q in qs])
        by_code, specs = questions[inv.version_id]
        if inv.responded_at is not None or inv.expires_at <= item.at or (
                inv.sent_at is not None and inv.sent_at > item.at):
            raise ValueError(f"invitation {inv.pk} cannot be answered at {item.at}")
        try:
            clean = rules.clean_answers(specs, item.answers)
        except rules.AnswersInvalid as exc:
            raise answers_error(exc, by_code)
        anonymous = item.anonymous
        responses.append(Response(
            invitation=None if anonymous else inv,
            invitation_digest=tokens.invitation_digest(inv.pk),
            instrument_id=inv.instrument_id, version_id=inv.version_id, wave_id=inv.wave_id,
            customer_id=None if anonymous else inv.customer_id,
            user_id=None if anonymous else inv.user_id,
            ticket_id=None if anonymous else inv.ticket_id,
            anonymous=anonymous, source=item.source, language=inv.language,
            submitted_at=_local_day(item.at) if anonymous else item.at,
            period=rollups.period_of(item.at),
            branch_id=inv.branch_id, team_id=inv.team_id, agent_id=inv.agent_id,
            tier_id=inv.tier_id, contact_channel=inv.contact_channel))
        cleaned.append((clean, specs))
        inv.responded_at = item.at
    Response.objects.bulk_create(responses, batch_size=BATCH)
    answers = _insert_answers([(r.pk, a) for r, (clean, _specs) in zip(responses, cleaned, strict=True)
                               for a in clean])
    totals: dict[tuple, list] = {}
    for response, (clean, specs) in zip(responses, cleaned, strict=True):
        for key, (count, total, squares) in rollups.rows_for(
                response, specs, clean, kinds[response.instrument_id]).items():
            acc = totals.setdefault(key, [0, 0.0, 0.0])
            acc[0] += count
            acc[1] += total
            acc[2] += squares
    rollups.upsert({key: tuple(values) for key, values in totals.items()})
    table = connection.ops.quote_name(Invitation._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET responded_at = %s, next_reminder_at = NULL, "
            f"answered_anonymously = %s WHERE id = %s",
            [(adapt(item.at), item.anonymous, item.invitation.pk) for item in items])
    timeline((item.invitation.customer_id, "survey_response",
              {"instrument": codes[item.invitation.instrument_id], "response": response.pk,
               "ticket": item.invitation.ticket_id}, item.at)
             for item, response in zip(items, responses, strict=True)
             if not item.anonymous and item.invitation.customer_id is not None)
    opened = recover([(r, clean, specs) for r, (clean, specs)
                      in zip(responses, cleaned, strict=True)], kinds=kinds)
    return {"responses": len(responses), "answers": answers, "rollup_rows": len(totals),
            "recovery_tickets": opened}


def recover(answered: Sequence[tuple[Response, list, list]], *, kinds: dict[int, str]) -> int:
    """The recovery tickets of stored responses (``(response, clean answers, specs)``), as
    ``recovery.recovery_open`` opens them (see the module's doc). Returns how many."""
    policy = recovery.cached_policy()
    wanted = []
    for response, clean, specs in answered:
        trigger = recovery.trigger_for(response, kind=kinds[response.instrument_id],
                                       specs=specs, answers=clean, policy=policy)
        if trigger is not None:
            wanted.append((response, trigger, clean, specs))
    if not wanted:
        return 0
    # who owns it: as recovery._owner / _team, for all of them in three queries
    surveyed = {r.ticket_id for r, *_rest in wanted if r.ticket_id and r.agent_id}
    surveyed_team = dict(Ticket.objects.filter(pk__in=surveyed).values_list("pk", "team_id"))
    owners = User.objects.filter(
        pk__in={r.agent_id for r, *_rest in wanted if r.ticket_id in surveyed},
        is_active=True, role__in=recovery.OWNER_ROLES).in_bulk()
    customers = Customer.objects.in_bulk({r.customer_id for r, *_rest in wanted})
    instruments = Instrument.objects.in_bulk({r.instrument_id for r, *_rest in wanted})
    teams = teams_by_id()
    openings = []
    for response, trigger, clean, specs in wanted:
        customer = customers[response.customer_id]
        owner = owners.get(response.agent_id) if response.ticket_id in surveyed else None
        team = (teams.get(surveyed_team.get(response.ticket_id)) if owner is not None
                else None) or route_team(customer=customer, actor=None)
        openings.append(recovery.opening(
            response, trigger, instrument=instruments[response.instrument_id], specs=specs,
            answers=clean, policy=policy, customer=customer, owner=owner, team=team,
            now=response.submitted_at))
    Ticket.objects.bulk_create([o.ticket for o in openings], batch_size=BATCH)
    RecoveryLink.objects.bulk_create([o.link for o in openings], batch_size=BATCH)
    notes = Message.objects.bulk_create([o.note for o in openings], batch_size=BATCH)
    _set_times(Message, "created_at", [(m.pk, o.ticket.created_at)
                                        for m, o in zip(notes, openings, strict=True)])
    TicketEvent.objects.bulk_create([e for o in openings for e in o.events()],
                                    batch_size=BATCH)
    return len(openings)
