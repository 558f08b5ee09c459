"""Waves: asking a sample of customers (by tier, branch, tag) or staff (by role, branch,
team) one published version. ``wave_create`` writes a draft; ``wave_launch`` draws the
sample with the recorded seed, writes the invitations and queues their sending;
``wave_close`` stops answers and reminders. Supervisors distribute to their own branch."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Branch, Role, Team, User
from kefu.core.errors import ApplicationError, Conflict
from kefu.customers.models import Customer, Tag, Tier

from .. import distribution_rules, rules
from ..models import InstrumentVersion, Invitation, Wave
from . import invitations
from ._common import clean_choice, clean_int, clean_text, event, require_wave_manager

CUSTOMER_FILTERS = ("tiers", "branches", "tags")
STAFF_FILTERS = ("roles", "branches", "teams")
STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MAX_FILTER_VALUES = 200


def _clean_filters(filters, audience: str) -> dict:
    if filters is None:
        return {}
    allowed = CUSTOMER_FILTERS if audience == Wave.Audience.CUSTOMERS else STAFF_FILTERS
    if not isinstance(filters, dict):
        raise ApplicationError("invalid_filters", _("filters must be an object."),
                               details={"field": "filters"})
    out = {}
    for name, values in filters.items():
        if name not in allowed:
            raise ApplicationError("invalid_filters",
                                   _("%(name)s is not a filter of this audience (use: %(allowed)s).")
                                   % {"name": name, "allowed": ", ".join(allowed)},
                                   details={"field": f"filters.{name}"})
        if not isinstance(values, list) or len(values) > MAX_FILTER_VALUES or not all(
                isinstance(v, str) and 0 < len(v) <= 60 for v in values):
            raise ApplicationError("invalid_filters", _("filters.%(name)s must be a list of codes.")
                                   % {"name": name}, details={"field": f"filters.{name}"})
        known = {
            "tiers": lambda vs: set(Tier.objects.filter(code__in=vs).values_list("code", flat=True)),
            "branches": lambda vs: set(Branch.objects.filter(code__in=vs).values_list("code", flat=True)),
            "tags": lambda vs: set(Tag.objects.filter(name__in=vs).values_list("name", flat=True)),
            "teams": lambda vs: set(Team.objects.filter(code__in=vs).values_list("code", flat=True)),
            "roles": lambda vs: {r.value for r in STAFF_ROLES} & set(vs),
        }[name](values)
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ApplicationError("unknown_filter_value",
                                   _("filters.%(name)s: unknown %(value)s.")
                                   % {"name": name, "value": unknown[0]},
                                   details={"field": f"filters.{name}", "value": unknown[0]})
        if values:
            out[name] = sorted(set(values))
    return out


def clean_wave(*, actor, version: InstrumentVersion, name: str, name_en: str = "",
               filters=None, sample_size=None, sample_fraction=None, seed=None,
               channel: str | None = None, reminder_days=(), expires_days: int = 30,
               exclude_recent_days: int = 0) -> dict:
    """Check a new wave's fields (nothing is written); returns them cleaned."""
    require_wave_manager(actor)
    if version.status != rules.VersionStatus.PUBLISHED:
        raise ApplicationError("version_not_published",
                               _("Only a published version can be sent out."),
                               details={"field": "version"})
    instrument = version.instrument
    staff = instrument.kind in rules.STAFF_KINDS
    audience = Wave.Audience.STAFF if staff else Wave.Audience.CUSTOMERS
    allowed = [rules.Channel.CONSOLE.value] if staff else [rules.Channel.EMAIL.value,
                                                           rules.Channel.PORTAL.value]
    channel = clean_choice("channel", channel or allowed[0], allowed)
    if sample_size is not None and sample_fraction is not None:
        raise ApplicationError("size_or_fraction",
                               _("Give a sample size or a fraction, not both."),
                               details={"field": "sample_size"})
    sample_size = clean_int("sample_size", sample_size, low=1, high=10_000_000, allow_none=True)
    if sample_fraction is not None:
        if isinstance(sample_fraction, bool) or not isinstance(sample_fraction, int | float) \
                or not 0 < sample_fraction <= 1:
            raise ApplicationError("invalid_sample_fraction",
                                   _("sample_fraction must be more than 0 and at most 1."),
                                   details={"field": "sample_fraction"})
        sample_fraction = float(sample_fraction)
    if seed is None:
        seed = secrets.randbelow(2**62)
    seed = clean_int("seed", seed, low=0, high=2**62, allow_none=False)
    try:
        reminder_days = distribution_rules.check_reminder_days(list(reminder_days or []))
    except (ValueError, TypeError):
        raise ApplicationError("invalid_reminder_days",
                               _("reminder_days: at most three reminders, 1–90 days after "
                                 "sending, in increasing order."),
                               details={"field": "reminder_days"})
    branch = None
    if actor.role == Role.SUPERVISOR and actor.branch_id is not None:
        branch = actor.branch  # a branch supervisor asks their own branch only
    return dict(
        name=clean_text("name", name, required=True, limit=120),
        name_en=clean_text("name_en", name_en, required=False, limit=120),
        instrument=instrument, version=version, audience=audience,
        filters=_clean_filters(filters, audience), sample_size=sample_size,
        sample_fraction=sample_fraction, seed=seed, channel=channel,
        reminder_days=reminder_days,
        expires_days=clean_int("expires_days", expires_days, low=1, high=365),
        exclude_recent_days=clean_int("exclude_recent_days", exclude_recent_days, low=0,
                                      high=365),
        branch=branch)


@transaction.atomic
def wave_create(*, actor, version: InstrumentVersion, **fields) -> Wave:
    """A draft wave (fields: see ``clean_wave``). A staff instrument (management perception)
    goes to staff in the console; every other instrument to customers by e-mail link or in
    the portal."""
    cleaned = clean_wave(actor=actor, version=version, **fields)
    now = timezone.now()
    wave = Wave.objects.create(**cleaned, created_by=actor, created_at=now)
    event("wave_created", actor, wave=wave, version=version, at=now,
          filters=wave.filters, seed=wave.seed)
    return wave


def population(wave: Wave, *, now=None):
    """The ids the wave's sample is drawn from (a queryset of ids)."""
    now = now or timezone.now()
    f = wave.filters or {}
    if wave.audience == Wave.Audience.STAFF:
        qs = User.objects.filter(is_active=True, role__in=f.get("roles") or
                                 [Role.SUPERVISOR, Role.ADMIN])
        if f.get("branches"):
            qs = qs.filter(branch__code__in=f["branches"])
        if f.get("teams"):
            qs = qs.filter(teams__code__in=f["teams"])
        if wave.branch_id:
            qs = qs.filter(branch_id=wave.branch_id)
        if wave.exclude_recent_days:
            qs = qs.exclude(survey_invitations__created_at__gte=now - timedelta(
                days=wave.exclude_recent_days))
        return qs.values_list("pk", flat=True).distinct()
    qs = Customer.objects.all()
    if f.get("tiers"):
        qs = qs.filter(tier__code__in=f["tiers"])
    if f.get("branches"):
        qs = qs.filter(branch__code__in=f["branches"])
    if f.get("tags"):
        qs = qs.filter(tags__name__in=f["tags"])
    if wave.branch_id:
        qs = qs.filter(branch_id=wave.branch_id)
    if wave.channel == rules.Channel.EMAIL:
        qs = qs.filter(consent_email=True).exclude(email="")
    else:
        qs = qs.filter(user__isnull=False, user__is_active=True)
    if wave.exclude_recent_days:
        qs = qs.exclude(survey_invitations__created_at__gte=now - timedelta(
            days=wave.exclude_recent_days))
    return qs.values_list("pk", flat=True).distinct()


def _locked(wave: Wave) -> Wave:
    locked = Wave.objects.select_for_update().get(pk=wave.pk)
    wave.status = locked.status
    return wave


@transaction.atomic
def wave_launch(*, actor, wave: Wave, base_url: str | None = None) -> Wave:
    """Draw the sample (reproducible: the same population and seed give the same people),
    write one invitation each with the slice of the moment (branch, tier; staff: branch,
    first team), and queue their sending after the commit."""
    require_wave_manager(actor)
    _locked(wave)
    if wave.status != rules.WaveStatus.DRAFT:
        raise Conflict("wave_not_draft", _("This wave has been launched already."),
                       details={"status": wave.status})
    version = InstrumentVersion.objects.get(pk=wave.version_id)
    if version.status != rules.VersionStatus.PUBLISHED:
        raise ApplicationError("version_not_published",
                               _("The wave's version is no longer published: make a new wave."))
    now = timezone.now()
    ids = list(population(wave, now=now))
    chosen = distribution_rules.sample_ids(ids, size=wave.sample_size, fraction=wave.sample_fraction,
                              seed=wave.seed)
    expires_at = now + timedelta(days=wave.expires_days)
    rows = []
    for start in range(0, len(chosen), 2000):
        part = chosen[start:start + 2000]
        if wave.audience == Wave.Audience.STAFF:
            people = User.objects.filter(pk__in=part).prefetch_related("teams")
            for user in people:
                teams = sorted(user.teams.all(), key=lambda t: t.code)
                rows.append(invitations.build(
                    version=version, channel=wave.channel, expires_at=expires_at, now=now,
                    wave=wave, user=user, branch_id=user.branch_id,
                    team_id=teams[0].pk if teams else None))
        else:
            for customer in Customer.objects.filter(pk__in=part).only(
                    "pk", "language", "branch_id", "tier_id"):
                rows.append(invitations.build(
                    version=version, channel=wave.channel, expires_at=expires_at, now=now,
                    wave=wave, customer=customer, branch_id=customer.branch_id,
                    tier_id=customer.tier_id))
    Invitation.objects.bulk_create(rows, batch_size=1000)
    wave.status = rules.WaveStatus.OPEN
    wave.population = len(ids)
    wave.invited = len(rows)
    wave.launched_at = now
    wave.save(update_fields=["status", "population", "invited", "launched_at"])
    event("wave_launched", actor, wave=wave, at=now, population=len(ids), invited=len(rows),
          seed=wave.seed)

    def send_later():
        from ..tasks import send_wave_invitations

        send_wave_invitations(wave.pk, base_url)

    transaction.on_commit(send_later, robust=True)
    return wave


@transaction.atomic
def wave_close(*, actor, wave: Wave) -> Wave:
    """No more answers or reminders."""
    require_wave_manager(actor)
    _locked(wave)
    if wave.status == rules.WaveStatus.CLOSED:
        raise Conflict("wave_closed", _("This wave is closed already."))
    now = timezone.now()
    wave.status = rules.WaveStatus.CLOSED
    wave.closed_at = now
    wave.save(update_fields=["status", "closed_at"])
    Invitation.objects.filter(wave=wave, next_reminder_at__isnull=False).update(
        next_reminder_at=None)
    event("wave_closed", actor, wave=wave, at=now)
    return wave


def response_rates(wave: Wave, *, by: str | None = None) -> dict | list[dict]:
    """Invited, delivered (the link went out or was shown), undeliverable, reminded,
    responded, expired unanswered, and the response rate (responded / delivered). ``by``
    ("branch" or "tier") gives one row per value instead."""
    now = timezone.now()
    figures = dict(
        invited=Count("pk"),
        delivered=Count("pk", filter=Q(sent_at__isnull=False)),
        undeliverable=Count("pk", filter=Q(undeliverable=True)),
        reminded=Count("pk", filter=Q(reminder_count__gt=0)),
        responded=Count("pk", filter=Q(responded_at__isnull=False)),
        expired=Count("pk", filter=Q(responded_at__isnull=True, expires_at__lte=now)),
    )
    qs = Invitation.objects.filter(wave=wave)
    if by is None:
        row = qs.aggregate(**figures)
        return {**row, "rate": distribution_rules.response_rate(row["responded"], row["delivered"])}
    if by not in ("branch", "tier"):
        raise ApplicationError("invalid_by", _("by must be branch or tier."),
                               details={"field": "by"})
    rows = qs.values(f"{by}_id").annotate(**figures).order_by(f"{by}_id")
    return [{by: row[f"{by}_id"], **{k: row[k] for k in figures},
             "rate": distribution_rules.response_rate(row["responded"], row["delivered"])} for row in rows]
