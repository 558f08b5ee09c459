"""The dashboard filter: a period (whole months, business time zone), optional branch /
team / tier / channel / agent, and the viewer's scope (which branches and teams they may
see). Every selector takes one; ``filter_for`` builds it from query parameters and a user,
refusing bad input with a clear ``ApplicationError``.

Scope (see docs/dashboards.md): administrators, auditors and supervisors without a branch
(head office) see everything; a branch supervisor their branch's figures plus their own
teams'; agents and customers no dashboards (``dashboard_scope`` raises ``PermissionDenied``).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import is_global_reader, user_teams
from kefu.accounts.models import Role
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.surveys.models import Rollup, RollupTotal

#: The longest period a dashboard reads (months).
MAX_MONTHS = 120
#: Default period: the last twelve months, this one included.
DEFAULT_MONTHS = 12
#: Below this many answers a group is flagged, not ranked.
DEFAULT_MIN_N = 30
CHANNELS = ("agent", "phone", "counter", "email", "portal", "web", "chat", "api")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: ``None`` branches means everything; otherwise the rows of
    these branches or these teams."""

    branches: frozenset[int] | None = None
    teams: frozenset[int] = frozenset()

    @property
    def everything(self) -> bool:
        return self.branches is None

    def q(self, branch_field: str = "branch_id", team_field: str = "team_id") -> Q | None:
        """A filter for rows carrying branch and team ids; None: no restriction."""
        if self.branches is None:
            return None
        return Q(**{f"{branch_field}__in": sorted(self.branches)}) | Q(
            **{f"{team_field}__in": sorted(self.teams)})


EVERYTHING = Scope()


def business_tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_floor(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months from ``start`` to ``end``, both included."""
    out, current = [], month_floor(start)
    while current <= end:
        out.append(current)
        current = add_months(current, 1)
    return out


@dataclass(frozen=True)
class DashboardFilter:
    """``start`` and ``end`` are first days of months (both included), as in
    ``Rollup.period``. ``branch`` / ``team`` / ``tier`` / ``agent`` are ids, ``channel`` a
    ticket channel code; None: all. ``scope`` restricts every figure to what the viewer may
    see. ``min_n``: groups with fewer answers are flagged, not ranked."""

    start: date
    end: date
    branch: int | None = None
    team: int | None = None
    tier: int | None = None
    channel: str | None = None
    agent: int | None = None
    scope: Scope = field(default=EVERYTHING)
    min_n: int = DEFAULT_MIN_N

    def __post_init__(self):
        if self.start != month_floor(self.start) or self.end != month_floor(self.end):
            raise ValueError("start and end are first days of months")

    # --- periods ----------------------------------------------------------------------------
    @property
    def months(self) -> list[date]:
        return months_between(self.start, self.end)

    def bounds(self) -> tuple[datetime, datetime]:
        """[from, to) as aware datetimes: the period's months in the business time zone."""
        tz = business_tz()
        return (datetime.combine(self.start, time.min, tzinfo=tz),
                datetime.combine(add_months(self.end, 1), time.min, tzinfo=tz))

    def with_(self, **changes) -> DashboardFilter:
        return replace(self, **changes)

    # --- applying it ------------------------------------------------------------------------
    def rollup_rows(self, *, agent: bool = True, by_unit: bool = False, staff: bool = False,
                    fine: bool = False):
        """The rollup rows of the period, the chosen slice and the scope, from the coarsest
        table that holds them (the sums are the same; see ``RollupTotal``):

        - no slice at all and the viewer sees everything: ``RollupTotal`` rows of grain
          ``TOTAL`` — unless ``by_unit`` (the caller groups by branch, team or agent);
        - a tier: grain ``TIER``;
        - else a branch, team, agent or scope: grain ``UNIT``;
        - a contact channel (or ``fine``): ``Rollup``.

        ``agent=False``: the agent filter does not apply (SERVQUAL's rows carry none).
        ``staff``: a staff survey, read like ``responses(staff=True)`` — no tier, channel or
        agent, and company-wide rows (no branch, no team) in every slice and scope."""
        if staff:
            tier, channel, agent = None, None, False
        else:
            tier, channel = self.tier, self.channel
        agent_id = self.agent if agent else None
        scope = self.scope.q()
        period = {"period__gte": self.start, "period__lte": self.end}
        if fine or channel:
            qs = Rollup.objects.filter(**period)
            if channel:
                qs = qs.filter(channel=channel)
            if tier is not None:
                qs = qs.filter(tier_id=tier)
        elif tier is not None:
            qs = RollupTotal.objects.filter(grain=RollupTotal.TIER, tier_id=tier, **period)
        elif (by_unit or self.branch is not None or self.team is not None
              or agent_id is not None or scope is not None):
            qs = RollupTotal.objects.filter(grain=RollupTotal.UNIT, **period)
        else:
            return RollupTotal.objects.filter(grain=RollupTotal.TOTAL, **period)

        def rows_of(q: Q) -> Q:  # staff surveys: and the company-wide rows
            return q | Q(branch_id=0, team_id=0) if staff else q

        if self.branch is not None:
            qs = qs.filter(rows_of(Q(branch_id=self.branch)))
        if self.team is not None:
            qs = qs.filter(rows_of(Q(team_id=self.team)))
        if agent_id is not None:
            qs = qs.filter(agent_id=agent_id)
        return qs if scope is None else qs.filter(rows_of(scope))

    def responses(self, qs, *, staff: bool = False):
        """``Response`` rows: the same slice as ``rollup_rows`` (period, branch, team, tier,
        channel, agent, scope). ``staff``: a staff survey (the management-perception one),
        read like its figure — no tier or channel, and company-wide answers (no branch, no
        team) in every slice and scope."""
        lo, hi = self.bounds()
        qs = qs.filter(submitted_at__gte=lo - timedelta(days=1), submitted_at__lt=hi,
                       period__gte=self.start, period__lte=self.end)
        if staff:
            company = Q(branch_id__isnull=True, team_id__isnull=True)
            if self.branch is not None:
                qs = qs.filter(Q(branch_id=self.branch) | company)
            if self.team is not None:
                qs = qs.filter(Q(team_id=self.team) | company)
            scope = self.scope.q()
            return qs if scope is None else qs.filter(scope | company)
        qs = self._slice(qs, tier="tier_id", channel="contact_channel")
        if self.agent is not None:
            qs = qs.filter(agent_id=self.agent)
        scope = self.scope.q()
        return qs if scope is None else qs.filter(scope)

    def tickets(self, qs, *, by: str = "created_at"):
        """``Ticket`` rows whose ``by`` time falls in the period, in the slice and scope
        (tier: the customer's tier; agent: the owner)."""
        lo, hi = self.bounds()
        qs = qs.filter(**{f"{by}__gte": lo, f"{by}__lt": hi})
        qs = self._slice(qs, tier="customer__tier_id", channel="channel")
        if self.agent is not None:
            qs = qs.filter(owner_id=self.agent)
        scope = self.scope.q()
        return qs if scope is None else qs.filter(scope)

    def _slice(self, qs, *, tier: str, channel: str):
        if self.branch is not None:
            qs = qs.filter(branch_id=self.branch)
        if self.team is not None:
            qs = qs.filter(team_id=self.team)
        if self.tier is not None:
            qs = qs.filter(**{tier: self.tier})
        if self.channel:
            qs = qs.filter(**{channel: self.channel})
        return qs

    def params(self) -> dict[str, str]:
        """The query parameters that give this filter back (without the scope)."""
        out = {"start": self.start.strftime("%Y-%m"), "end": self.end.strftime("%Y-%m")}
        for name in ("branch", "team", "tier", "agent"):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        if self.channel:
            out["channel"] = self.channel
        return out


# --- from a request ------------------------------------------------------------------------------

def dashboard_scope(user) -> Scope:
    """The viewer's scope; agents, customers and anonymous users get no dashboards."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    if is_global_reader(user):
        return EVERYTHING
    if user.role == Role.SUPERVISOR:
        return Scope(branches=frozenset({user.branch_id}),
                     teams=frozenset(team.pk for team in user_teams(user)))
    raise PermissionDenied(_("Dashboards are for supervisors, administrators and auditors."))


def _bad(code: str, message: str, field_name: str) -> ApplicationError:
    return ApplicationError(code, message, details={"field": field_name})


def parse_month(value, field_name: str) -> date:
    if not isinstance(value, str) or not _MONTH.match(value.strip()):
        raise _bad("invalid_period", _("%(field)s must be a month written YYYY-MM.")
                   % {"field": field_name}, field_name)
    year, month = (int(part) for part in value.strip().split("-"))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise _bad("invalid_period", _("%(field)s must be a month written YYYY-MM.")
                   % {"field": field_name}, field_name)
    return date(year, month, 1)


def parse_id(value, field_name: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) < 1:
        raise _bad("invalid_filter", _("%(field)s must be a positive whole number.")
                   % {"field": field_name}, field_name)
    return int(text)


def today_month() -> date:
    return month_floor(timezone.localtime(timezone.now(), business_tz()).date())


def filter_for(user, params) -> DashboardFilter:
    """A filter from query parameters (``start``, ``end`` as YYYY-MM; ``branch``, ``team``,
    ``tier``, ``agent`` ids; ``channel``; ``min_n``) for ``user``'s scope."""
    scope = dashboard_scope(user)
    get = params.get
    end = parse_month(get("end"), "end") if get("end") else today_month()
    start = (parse_month(get("start"), "start") if get("start")
             else add_months(end, -(DEFAULT_MONTHS - 1)))
    if start > end:
        raise _bad("invalid_period", _("The period must not end before it starts."), "start")
    if len(months_between(start, end)) > MAX_MONTHS:
        raise _bad("invalid_period", _("The period is at most %(n)d months long.")
                   % {"n": MAX_MONTHS}, "start")
    channel = (get("channel") or "").strip() or None
    if channel is not None and channel not in CHANNELS:
        raise _bad("invalid_filter", _("Unknown channel."), "channel")
    min_n = parse_id(get("min_n"), "min_n") or DEFAULT_MIN_N
    if min_n > 10_000:
        raise _bad("invalid_filter", _("min_n is at most 10000."), "min_n")
    return DashboardFilter(start=start, end=end, branch=parse_id(get("branch"), "branch"),
                           team=parse_id(get("team"), "team"), tier=parse_id(get("tier"), "tier"),
                           agent=parse_id(get("agent"), "agent"), channel=channel, scope=scope,
                           min_n=min_n)
