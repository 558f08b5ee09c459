"""The demo company's voice of the customer: two quarterly SERVQUAL waves (several hundred
respondents each, responsiveness the weakest dimension, a little better in the second), NPS
waves beside them, a three-column wave for the zone of tolerance, a management-perception
wave answered by the supervisors (gap 1), and CSAT / NPS / CES after resolved tickets.

Called by ``kefu demo`` once the tickets exist; idempotent (it does nothing when its first
wave is there); deterministic for a seed (who is asked, who answers, when and what; only the
secret link tokens are random). Everything happened in the past: the survey services read
the time from ``django.utils.timezone.now``, so each step runs with the clock set to its
moment (``_clock``), as the tests freeze time. Waves and policies go through the services
(``wave_create``, ``wave_launch``, ``wave_close``, ``csat_policy_save``; the managers answer
through ``response_submit_for``); sending and the thousands of customer answers through the
bulk path of ``survey_bulk`` (the same rows and rollups, in a few statements), which also
opens the recovery tickets the closed loop would for the low scores (``survey_bulk.recover``)
under the demo company's recovery policy (``_recovery_policy``: a SERVQUAL gap of −2.5). The
recovery tickets older than a week were followed up and resolved (``_recovery_followed_up``);
the last week's are open work.

How respondents answer: ``survey_answers``. How long it takes: about 3 s on SQLite, plus
about 0.5 s for the recovery tickets and 1 s (4.5 s on a busy machine) to work out the
SLA of those followed up.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from unittest import mock

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from kefu.accounts.models import Branch, Team, User
from kefu.customers.models import Customer, Tier
from kefu.surveys import rollups, rules
from kefu.surveys.defaults import ensure_defaults
from kefu.surveys.instruments_data import INSTRUMENTS
from kefu.surveys.models import (
    CsatPolicy,
    Instrument,
    InstrumentVersion,
    Invitation,
    RecoveryLink,
    Rollup,
    SurveyEvent,
)
from kefu.surveys.services import recovery
from kefu.surveys.services import waves as wave_services
from kefu.surveys.services.instruments import published_version
from kefu.surveys.services.invitations import policies_for
from kefu.surveys.services.policy import csat_policy_save
from kefu.surveys.services.responses import response_submit_for
from kefu.tickets.models import Ticket

from . import data, survey_answers, survey_bulk
from .survey_bulk import Answered

#: Customers who shop but never contacted support: survey samples are drawn from everyone.
MEMBERS = 2400
MEMBER_REF = "FHM{:06d}"  # their external reference; the first one marks the survey demo loaded
#: How far back CSAT after resolution has been switched on.
CSAT_SINCE_DAYS = 120
#: When the company installed kefu (its shipped instruments date from then).
INSTALLED_DAYS_AGO = 400


@contextmanager
def _clock(moment: datetime):
    """Run services as if it were ``moment`` (they call ``timezone.now()``)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class Context:
    rng: random.Random
    now: datetime
    manager: User
    admin: User
    branch_codes: dict[int, str] = field(default_factory=dict)
    tier_codes: dict[int, str] = field(default_factory=dict)
    team_codes: dict[int, str] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def _quarter_start(day: date, back: int) -> date:
    months = day.year * 12 + (day.month - 1) // 3 * 3 - 3 * back
    return date(months // 12, months % 12 + 1, 1)


def _quarter_name(start: date) -> tuple[str, str]:
    q = (start.month - 1) // 3 + 1
    return f"{start.year} 年第{'一二三四'[q - 1]}季度", f"Q{q} {start.year}"


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=rollups.business_tz())


def build_survey_demo(*, seed: int, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    if Customer.objects.filter(external_ref=MEMBER_REF.format(0)).exists():
        return ["surveys: the demo waves are there already (nothing changed)"]
    with transaction.atomic():
        ensure_defaults()
        _installed_long_ago(now - timedelta(days=INSTALLED_DAYS_AGO))
        ctx = Context(rng=random.Random(seed), now=now,
                      manager=User.objects.get(username="manager"),
                      admin=User.objects.get(username="admin"))
        ctx.branch_codes = dict(Branch.objects.values_list("pk", "code"))
        ctx.tier_codes = dict(Tier.objects.values_list("pk", "code"))
        ctx.team_codes = dict(Team.objects.values_list("pk", "code"))
        for pk, kind, code in Instrument.objects.values_list("pk", "kind", "code"):
            ctx.kinds[pk], ctx.codes[pk] = kind, code
        added = _members(ctx)
        ctx.lines.append(f"surveys: {added} more customers (members who never contacted support)")
        _recovery_policy(ctx, now - timedelta(days=INSTALLED_DAYS_AGO))
        _waves(ctx)
        _after_tickets(ctx)
        opened = RecoveryLink.objects.values("reason").annotate(n=Count("pk"))
        followed = _recovery_followed_up(ctx)
        ctx.lines.append("surveys: recovery tickets opened by low scores: " + (", ".join(
            f"{row['reason']} {row['n']}" for row in opened.order_by("reason")) or "none")
            + f"; {followed} of them followed up and resolved (those older than a week)")
    return ctx.lines


#: The demo company's recovery policy: the shipped CSAT (≤ 2) and NPS (detractors) rules,
#: and a SERVQUAL gap of −2.5 or worse: its customers' responsiveness gap averages about
#: −1.5, so the shipped −1.5 would open a complaint for every other respondent of a wave.
DEMO_GAP_AT_MOST = -2.5
FOLLOWED_UP_AFTER = timedelta(days=7)
APOLOGY = ("您好，我们看到了您在满意度调查中的反馈，非常抱歉给您带来了不好的体验。"
           "我们已经核实情况并做了处理；如果还有任何问题，请随时联系我们。",
           "Hello, we read your survey answer and are sorry we fell short. We have looked "
           "into it and put it right; if anything is still wrong, please get in touch.")


def _recovery_policy(ctx: Context, moment: datetime) -> None:
    """Set when the company installed kefu, through the service (audited then)."""
    policy = recovery.current_policy()
    policy.gap_at_most = DEMO_GAP_AT_MOST
    with _clock(moment):
        recovery.recovery_policy_save(actor=ctx.admin, policy=policy)


def _recovery_followed_up(ctx: Context) -> int:
    """The recovery tickets of answers older than a week were followed up: taken within
    hours by their owner (a wave's: a member of its team), answered with an apology,
    resolved within three days and, a week on, closed; their SLA worked out again from that
    history (``sla_recompute``). The last week's are the teams' open work."""
    from kefu.tickets.models import Message, TicketEvent
    from kefu.workflow.services.sla import sla_recompute

    rng = random.Random(ctx.rng.random())
    members: dict[int, list[int]] = {}
    for team_id, user_id in (User.teams.through.objects
                             .filter(user__role__in=("agent", "supervisor"), user__is_active=True)
                             .order_by("team_id", "user_id").values_list("team_id", "user_id")):
        members.setdefault(team_id, []).append(user_id)
    tickets = list(Ticket.objects.filter(
        survey_recovery__isnull=False, created_at__lt=ctx.now - FOLLOWED_UP_AFTER,
        team_id__in=list(members)).select_related("customer").order_by("pk"))
    messages, events = [], []
    for t in tickets:
        taken = t.created_at + timedelta(minutes=rng.randint(20, 240))
        resolved = taken + timedelta(hours=rng.randint(2, 72))
        closed = resolved + timedelta(days=7)
        if t.owner_id is None:
            t.owner_id = t.assignee_id = rng.choice(members[t.team_id])
            events += [TicketEvent(ticket=t, actor_id=t.owner_id, kind="taken", created_at=taken,
                                   data={"owner": t.owner_id}),
                       TicketEvent(ticket=t, actor_id=t.owner_id, kind="status", created_at=taken,
                                   data={"old": "new", "new": "open"})]
        messages.append(Message(ticket=t, visibility="public", author_id=t.owner_id,
                                channel="phone", created_at=taken,
                                body=APOLOGY[t.customer.language == "en"]))
        events.append(TicketEvent(ticket=t, actor_id=t.owner_id, kind="status",
                                  created_at=resolved, data={"old": "open", "new": "resolved"}))
        t.first_response_at, t.resolved_at, t.status = taken, resolved, "resolved"
        if closed < ctx.now:
            events.append(TicketEvent(ticket=t, actor=None, kind="status", created_at=closed,
                                      data={"old": "resolved", "new": "closed",
                                            "reason": "auto_close", "days": 7}))
            t.closed_at, t.status = closed, "closed"
        t.updated_at = t.closed_at or resolved
    Ticket.objects.bulk_update(tickets, ["owner", "assignee", "status", "first_response_at",
                                         "resolved_at", "closed_at", "updated_at"],
                               batch_size=500)
    replied = [m.created_at for m in messages]  # bulk_create stamps the current time
    written = Message.objects.bulk_create(messages, batch_size=500)
    survey_bulk._set_times(Message, "created_at", list(zip([m.pk for m in written], replied,
                                                            strict=True)))
    TicketEvent.objects.bulk_create(events, batch_size=500)
    for t in tickets:
        sla_recompute(t, ctx.now)
    return len(tickets)


def _installed_long_ago(moment: datetime) -> None:
    """The shipped instruments (``kefu migrate`` created them just now) were published when
    the company installed kefu, before its first wave: date them, their version 1 and its
    audit row then. Instruments already older, or edited since, are left alone."""
    shipped = list(Instrument.objects.filter(code__in=list(INSTRUMENTS), created_at__gt=moment)
                   .exclude(versions__number__gt=1).values_list("pk", flat=True))
    InstrumentVersion.objects.filter(instrument__in=shipped, number=1).update(
        created_at=moment, published_at=moment)
    SurveyEvent.objects.filter(instrument__in=shipped, kind="instrument_created").update(
        created_at=moment)
    Instrument.objects.filter(pk__in=shipped).update(created_at=moment)


def _members(ctx: Context) -> int:
    rng = ctx.rng
    tiers = list(Tier.objects.order_by("rank"))
    branches = list(Branch.objects.order_by("pk"))
    start = Customer.objects.count()
    rows = []
    for i in range(MEMBERS):
        english = rng.random() < 0.12
        if english:
            name = name_en = f"{rng.choice(data.ENGLISH_FIRST)} {rng.choice(data.ENGLISH_LAST)}"
        else:
            (s_zh, s_en), (g_zh, g_en) = rng.choice(data.SURNAMES), rng.choice(data.GIVEN)
            name, name_en = s_zh + g_zh, f"{s_en} {g_en}"
        roll = rng.random()
        tier = tiers[0] if roll < 0.06 else tiers[1] if roll < 0.25 else tiers[-1]
        n = start + i + 1
        rows.append(Customer(
            name=name, name_en=name_en, language="en" if english else "zh-hans", tier=tier,
            branch=rng.choice(branches), email=f"member{n}@mail.example",
            phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            consent_email=rng.random() < 0.85, consent_sms=rng.random() < 0.5,
            external_ref=MEMBER_REF.format(i)))
    made = Customer.objects.bulk_create(rows, batch_size=1000)
    survey_bulk._set_times(Customer, "created_at", [
        (c.pk, ctx.now - timedelta(days=rng.randint(200, 1100), minutes=rng.randint(0, 1440)))
        for c in made])
    return len(made)


# --- waves ---------------------------------------------------------------------------------

def _answer_time(rng: random.Random, sent: datetime, expires: datetime, *, reminder_day: int,
                 now: datetime) -> datetime | None:
    """When a respondent answers: most within days of the link, the rest after the reminder."""
    if rng.random() < 0.6:
        at = sent + timedelta(hours=min(rng.expovariate(1 / 20), 24 * reminder_day - 1))
    else:
        at = sent + timedelta(days=reminder_day, hours=rng.expovariate(1 / 40))
    at += timedelta(minutes=rng.randint(1, 59))
    return at if at < min(expires, now) else None


def _wave(ctx: Context, *, code: str, name: tuple[str, str], launch: datetime, rate: float,
          answer: Callable[[Invitation], dict], sample_size: int | None = None,
          filters: dict | None = None, exclude_recent_days: int = 0,
          reminder_days: tuple[int, ...] = (7,), staff: bool = False) -> tuple[int, int]:
    """Create, launch, deliver, answer and close one wave; returns (invited, answered)."""
    rng = ctx.rng
    instrument = Instrument.objects.get(code=code)
    with _clock(launch):
        wave = wave_services.wave_create(
            actor=ctx.manager, version=published_version(instrument), name=name[0],
            name_en=name[1], filters=filters, sample_size=sample_size,
            seed=rng.randrange(2**40), reminder_days=list(reminder_days),
            expires_days=30, exclude_recent_days=exclude_recent_days)
        wave_services.wave_launch(actor=ctx.manager, wave=wave, base_url="https://help.freshhome.example")
    # by person, not by id: the launch writes invitations in whatever order the database
    # returns the sample (PostgreSQL: not always the same), and the draws below follow this
    invited = list(Invitation.objects.filter(wave=wave).order_by("customer_id", "user_id", "pk"))
    sent = {inv.pk: launch + timedelta(minutes=rng.randint(1, 20)) for inv in invited}
    answered: dict[int, datetime] = {}
    for inv in invited:
        lift = {"vip": 1.3, "gold": 1.1}.get(ctx.tier_codes.get(inv.tier_id), 0.95)
        if rng.random() < rate * lift:
            at = _answer_time(rng, sent[inv.pk], inv.expires_at,
                              reminder_day=reminder_days[0], now=ctx.now)
            if at is not None:
                answered[inv.pk] = at
    survey_bulk.deliver(invited, sent_at=sent, answered_at=answered, reminder_days=reminder_days)
    chosen = [inv for inv in invited if inv.pk in answered]
    if staff:
        # a handful of managers: through the service itself, as they would in the console
        for inv in sorted(chosen, key=lambda i: answered[i.pk]):
            with _clock(answered[inv.pk]):
                response_submit_for(invitation=inv, actor=inv.user, answers=answer(inv),
                                    source=rules.Source.CONSOLE.value)
    else:
        anonymous_ok = instrument.anonymous_allowed
        items = [Answered(invitation=inv, answers=answer(inv), at=answered[inv.pk],
                          anonymous=anonymous_ok and rng.random() < 0.08)
                 for inv in sorted(chosen, key=lambda i: (answered[i.pk], i.pk))]
        survey_bulk.respond(items, kinds=ctx.kinds, codes=ctx.codes)
    with _clock(launch + timedelta(days=31)):
        wave_services.wave_close(actor=ctx.manager, wave=wave)
    return len(invited), len(chosen)


def _gaps(ctx: Context, instrument_code: str, months: list[date]) -> dict[str, float]:
    instrument = Instrument.objects.get(code=instrument_code)
    rows = (Rollup.objects.filter(instrument_id=instrument.pk, period__in=months, question_id=0,
                                  column=rules.Column.GAP)
            .values("dimension").annotate(n=Sum("count"), t=Sum("total")))
    return {row["dimension"]: row["t"] / row["n"] for row in rows if row["n"]}


def _waves(ctx: Context) -> None:
    today = timezone.localtime(ctx.now, rollups.business_tz()).date()
    gaps = []
    for number, back in ((1, 2), (2, 1)):
        start = _quarter_start(today, back)
        zh, en = _quarter_name(start)
        launch = _local(start + timedelta(days=20), 10)

        def servqual(inv, number=number):
            return survey_answers.servqual(
                ctx.rng, wave=number, branch=ctx.branch_codes.get(inv.branch_id, ""),
                tier=ctx.tier_codes.get(inv.tier_id, ""), weights=ctx.rng.random() < 0.85)

        if number == 2:
            mgmt = _wave(ctx, code="management", name=(f"{zh}管理层认知调查",
                                                       f"Management perception, {en}"),
                         launch=launch - timedelta(days=14), rate=1.0, staff=True,
                         filters={"roles": ["supervisor"]},
                         answer=lambda inv: survey_answers.management(ctx.rng))
            ctx.lines.append(f"surveys: management perception, {en}: {mgmt[1]} of {mgmt[0]} "
                             "supervisors answered")
        invited, answered = _wave(ctx, code="servqual", name=(f"{zh}服务质量调查",
                                                               f"Service quality survey, {en}"),
                                  launch=launch, rate=0.42, sample_size=1000, answer=servqual)
        nps = _wave(ctx, code="nps", name=(f"{zh}净推荐值调查", f"NPS survey, {en}"),
                    launch=launch + timedelta(minutes=5), rate=0.38, sample_size=500,
                    exclude_recent_days=1,
                    answer=lambda inv: survey_answers.nps(ctx.rng, english=inv.language == "en"))
        line = (f"surveys: SERVQUAL {en}: {answered} of {invited} answered; "
                f"NPS {en}: {nps[1]} of {nps[0]}")
        if number == 2:
            zone = _wave(ctx, code="servqual3", name=(f"{zh}容忍区域调查",
                                                      f"Zone of tolerance survey, {en}"),
                         launch=launch + timedelta(minutes=10), rate=0.36, sample_size=450,
                         exclude_recent_days=1,
                         answer=lambda inv: survey_answers.servqual3(
                             ctx.rng, branch=ctx.branch_codes.get(inv.branch_id, ""),
                             tier=ctx.tier_codes.get(inv.tier_id, "")))
            line += f"; zone of tolerance: {zone[1]} of {zone[0]}"
        ctx.lines.append(line)
        months = sorted({rollups.period_of(launch + timedelta(days=d)) for d in (0, 31)})
        gaps.append(_gaps(ctx, "servqual", months))
    worst = min(gaps[0], key=gaps[0].get)
    ctx.lines.append(f"surveys: weakest dimension {worst} (gap {gaps[0][worst]:+.2f} → "
                     f"{gaps[1].get(worst, 0):+.2f}); overall {gaps[0].get('overall', 0):+.2f} → "
                     f"{gaps[1].get('overall', 0):+.2f}")


# --- after resolved tickets ------------------------------------------------------------------

POLICIES = [("csat", "", 0.34), ("nps", "complaint", 0.3), ("ces", "request", 0.3)]


def _after_tickets(ctx: Context) -> None:
    """CSAT after every resolved ticket, NPS after complaints, CES after requests, since
    ``CSAT_SINCE_DAYS`` ago; answers within hours or after the reminder three days later."""
    rng, now = ctx.rng, ctx.now
    since = now - timedelta(days=CSAT_SINCE_DAYS)
    # invitations whose reminder would still be ahead are left out: all of it is history
    cutoff = now - timedelta(days=3, minutes=70)
    instruments = {i.code: i for i in Instrument.objects.filter(code__in=[p[0] for p in POLICIES])}
    rates = {}
    with _clock(since):
        for code, ticket_type, rate in POLICIES:
            policy = (CsatPolicy.objects.filter(instrument=instruments[code],
                                                ticket_type=ticket_type).first()
                      or CsatPolicy(instrument=instruments[code], ticket_type=ticket_type))
            policy.active, policy.delay_minutes, policy.channel = True, 60, rules.Channel.EMAIL
            policy.expires_days, policy.reminder_days = 14, [3]
            csat_policy_save(actor=ctx.admin, policy=policy)
            rates[policy.instrument_id] = rate
    versions = {i.pk: published_version(i) for i in instruments.values()}
    by_type: dict[str, list[CsatPolicy]] = {}
    plans = []
    tickets = (Ticket.objects.filter(resolved_at__gt=since, resolved_at__lte=cutoff,
                                     status__in=("resolved", "closed"), merged_into__isnull=True)
               .exclude(type="internal").select_related("customer").order_by("resolved_at", "pk"))
    for ticket in tickets:
        if ticket.type not in by_type:
            by_type[ticket.type] = policies_for(ticket.type)
        for policy in by_type[ticket.type]:
            at = ticket.resolved_at + timedelta(minutes=policy.delay_minutes + rng.randint(0, 5))
            plans.append((ticket, policy, at))
    built = survey_bulk.invite_after_tickets(plans, versions=versions)
    sent, answered, items = {}, {}, []
    for inv, (ticket, policy, at) in zip(built, plans, strict=True):
        customer = ticket.customer
        if not customer.email or not (customer.consent_email or ticket.channel == "email"):
            continue  # what send() finds: no address or no consent
        sent[inv.pk] = at
        if rng.random() >= rates[policy.instrument_id]:
            continue
        when = (at + timedelta(minutes=rng.randint(3, 60) + int(rng.expovariate(1 / 300)))
                if rng.random() < 0.7 else
                at + timedelta(days=3, minutes=rng.randint(10, 60 * 30)))
        if when >= min(inv.expires_at, now):
            continue
        answered[inv.pk] = when
        english = customer.language == "en"
        team = ctx.team_codes.get(ticket.team_id, "")
        code = ctx.codes[policy.instrument_id]
        if code == "csat":
            answers = survey_answers.csat(rng, team=team, ticket_type=ticket.type, english=english)
        elif code == "nps":
            answers = survey_answers.nps(rng, team=team, english=english, after_complaint=True)
        else:
            answers = survey_answers.ces(rng, team=team, english=english)
        items.append(Answered(invitation=inv, answers=answers, at=when))
    delivered = [inv for inv in built if inv.pk in sent]
    survey_bulk.deliver(built, sent_at=sent, answered_at=answered, reminder_days=[3])
    survey_bulk.respond(sorted(items, key=lambda i: (i.at, i.invitation.pk)), kinds=ctx.kinds,
                        codes=ctx.codes)
    # the periodic job has looked at everything resolved until now: it sends nothing old
    CsatPolicy.objects.filter(instrument__in=list(instruments.values())).update(swept_until=now)
    counts = {}
    for item in items:
        code = ctx.codes[item.invitation.instrument_id]
        counts[code] = counts.get(code, 0) + 1
    ctx.lines.append(
        f"surveys: after {len({t.pk for t, _p, _a in plans})} resolved tickets, "
        f"{len(built)} invitations ({len(built) - len(delivered)} undeliverable), answered: "
        + ", ".join(f"{code.upper()} {counts.get(code, 0)}" for code, _t, _r in POLICIES))
