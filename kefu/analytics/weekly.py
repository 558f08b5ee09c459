"""The weekly e-mail report per manager: last week's (Monday 00:00 to Monday 00:00 in the
organisation's time zone, ``TIME_ZONE``) CSAT, NPS and CES with their numbers of answers,
SERVQUAL gaps per dimension, complaints received, SLA compliance, recovery tickets opened
by survey answers, and a link to the dashboards — within what the subscription covers and
what the manager may see.

Figures of a week cannot come from the monthly rollups: they are added up from the week's
raw answers with the rollups' own rules (``kefu.surveys.rollups.recompute``, a few thousand
responses at most) and turned into figures by the dashboards' functions
(``selectors.scores.csat_figure`` …), so a week's figure means what a month's does.

A report falls due on Monday at ``REPORT_HOUR`` (local time) and stays due until sent (a
worker that was down on Monday catches up); ``ReportSubscription.last_week`` makes it once
per subscription and week, under a row lock. E-mail goes through the outbound queue
(``kefu.conversations``): retries, delivery state, never twice.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.analytics.stats import scores as stat_scores
from kefu.core.errors import PermissionDenied
from kefu.surveys import rollups as survey_rollups
from kefu.surveys import rules as survey_rules
from kefu.surveys.models import Instrument, Question, RecoveryLink, Response
from kefu.surveys.models.instruments import DIMENSIONS as DIMENSION_LABELS
from kefu.tickets.models import Ticket

from . import quality_services
from .models import QualityEvent, ReportSubscription
from .selectors import scores
from .selectors.filters import EVERYTHING, Scope, dashboard_scope

log = logging.getLogger("kefu.reports")

#: Reports fall due on Monday at this hour, local time.
REPORT_HOUR = 8


def business_tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_week(now: datetime | None = None) -> date:
    """The Monday of the last full week before ``now`` (local time)."""
    local = timezone.localtime(now or timezone.now(), business_tz())
    return monday_of(local.date()) - timedelta(days=7)


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    tz = business_tz()
    start = datetime.combine(monday, time.min, tzinfo=tz)
    return start, datetime.combine(monday + timedelta(days=7), time.min, tzinfo=tz)


def is_due(now: datetime) -> bool:
    """Reports of last week are due from Monday ``REPORT_HOUR`` o'clock on (and stay due)."""
    local = timezone.localtime(now, business_tz())
    return local.weekday() > 0 or local.hour >= REPORT_HOUR


# --- scope ------------------------------------------------------------------------------------

def subscription_scope(sub: ReportSubscription) -> Scope:
    """What the report covers; refuses (``PermissionDenied``) a manager who may no longer
    see it (a role or branch changed since they subscribed)."""
    if not quality_services.may_cover(sub.user, sub.scope, sub.branch, sub.team):
        raise PermissionDenied(_("%(user)s may no longer receive figures of that scope.")
                               % {"user": sub.user.username})
    dashboard_scope(sub.user)  # agents and customers: none
    if sub.scope == ReportSubscription.Scope.BRANCH:
        return Scope(branches=frozenset({sub.branch_id}))
    if sub.scope == ReportSubscription.Scope.TEAM:
        return Scope(branches=frozenset(), teams=frozenset({sub.team_id}))
    return EVERYTHING


def _scoped(qs, scope: Scope, branch: str = "branch_id", team: str = "team_id"):
    q = scope.q(branch, team)
    return qs if q is None else qs.filter(q)


# --- figures ----------------------------------------------------------------------------------

def _survey_figures(responses) -> dict:
    rows = survey_rollups.recompute(responses)
    kinds = dict(Instrument.objects.values_list("pk", "kind"))
    scale_ids = set(Question.objects.filter(
        version__instrument__kind__in=list(scores.SCALE_QUESTIONS),
        code__in=list(scores.SCALE_QUESTIONS.values()),
        kind__in=(survey_rules.QuestionKind.RATING, survey_rules.QuestionKind.LIKERT),
    ).values_list("pk", flat=True))
    dists: dict[str, dict[int, int]] = {m: {} for m in scores.MEASURES}
    gaps: dict[str, list] = {}
    for key, (count, total, squares) in rows.items():
        instrument_id, _period, question_id, dimension, column, option = key[:6]
        kind = kinds.get(instrument_id)
        if (kind in dists and question_id in scale_ids and column == survey_rules.Column.VALUE
                and option > 0 and count):
            value = int(round(total / count))
            dists[kind][value] = dists[kind].get(value, 0) + int(count)
        elif (kind == survey_rules.InstrumentKind.SERVQUAL and question_id == 0
              and column == survey_rules.Column.GAP and dimension):
            acc = gaps.setdefault(dimension, [0, 0.0, 0.0])
            acc[0] += count
            acc[1] += total
            acc[2] += squares
    out = {m: scores.FIGURES[m](dists[m]) for m in scores.MEASURES}
    if out["ces"]:
        out["ces"].pop("_sums", None)
    order = [d.value for d in survey_rules.DIMENSIONS] + [survey_rules.OVERALL]
    out["gaps"] = []
    for dimension in order:
        if dimension in gaps and gaps[dimension][0]:
            n, total, squares = gaps[dimension]
            m = stat_scores.mean_from_sums(int(n), float(total), float(squares))
            out["gaps"].append({
                "dimension": dimension, "gap": round(m.mean, 2), "n": m.n,
                "ci95": [round(x, 2) for x in m.ci95] if m.ci95 else None})
    return out


def weekly_figures(monday: date, scope: Scope) -> dict:
    """Last week's figures for ``scope`` (JSON-ready)."""
    start, end = week_bounds(monday)
    responses = _scoped(Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end),
                        scope)
    out = _survey_figures(responses)
    out["responses"] = responses.count()
    created = _scoped(Ticket.objects.filter(created_at__gte=start, created_at__lt=end), scope)
    out["complaints"] = created.filter(type="complaint", survey_recovery__isnull=True).count()
    resolved = _scoped(Ticket.objects.filter(resolved_at__gte=start, resolved_at__lt=end,
                                             sla__isnull=False), scope)
    breached = (Q(sla__first_response_breached=True) | Q(sla__next_update_breached=True)
                | Q(sla__resolution_breached=True) | Q(sla__sunset_breached=True))
    n = resolved.count()
    met = n - resolved.filter(breached).count() if n else 0
    out["sla"] = {"n": n, "met": met, "percent": round(100 * met / n, 1) if n else None}
    out["recovery"] = _scoped(RecoveryLink.objects.filter(created_at__gte=start,
                                                          created_at__lt=end), scope,
                              "ticket__branch_id", "ticket__team_id").count()
    return out


# --- the e-mail -------------------------------------------------------------------------------

def dashboard_link(sub: ReportSubscription, monday: date) -> str:
    params = {"start": monday.strftime("%Y-%m"),
              "end": (monday + timedelta(days=6)).strftime("%Y-%m")}
    if sub.branch_id:
        params["branch"] = sub.branch_id
    if sub.team_id:
        params["team"] = sub.team_id
    base = (settings.PUBLIC_URL or "").rstrip("/")
    return f"{base}{reverse('analytics:quality')}?{urlencode(params)}"


def scope_label(sub: ReportSubscription) -> str:
    if sub.scope == ReportSubscription.Scope.BRANCH:
        return _("branch %(name)s") % {"name": sub.branch.label}
    if sub.scope == ReportSubscription.Scope.TEAM:
        return _("team %(name)s") % {"name": sub.team.label}
    return _("all branches and teams")


def render_report(sub: ReportSubscription, monday: date, figures: dict) -> tuple[str, str, str]:
    """(subject, text, html) in the subscriber's language."""
    with translation.override(sub.language):
        sunday = monday + timedelta(days=6)
        labels = dict(DIMENSION_LABELS)
        figures = {**figures, "gaps": [
            {**g, "label": str(labels.get(g["dimension"], _("Overall")))}
            for g in figures["gaps"]]}
        context = {"f": figures, "monday": monday, "sunday": sunday,
                   "scope": scope_label(sub), "link": dashboard_link(sub, monday),
                   "name": sub.user.get_full_name() or sub.user.username}
        subject = _("Weekly service-quality report, %(start)s to %(end)s: %(scope)s") % {
            "start": monday.isoformat(), "end": sunday.isoformat(), "scope": context["scope"]}
        text = render_to_string("analytics/email/weekly.txt", context).strip() + "\n"
        html = render_to_string("analytics/email/weekly.html", context)
    return subject, text, html


def report_for(sub: ReportSubscription, monday: date) -> tuple[str, str, str]:
    """The report of a (saved or unsaved) subscription, rendered: (subject, text, html)."""
    return render_report(sub, monday, weekly_figures(monday, subscription_scope(sub)))


def default_subscription(user) -> ReportSubscription:
    """An unsaved subscription covering what ``user`` may see (for a one-off report)."""
    from kefu.accounts.access import is_global_reader

    language = "en" if (getattr(user, "language", "") or "").startswith("en") else "zh-hans"
    if is_global_reader(user) or user.branch_id is None:
        return ReportSubscription(user=user, scope=ReportSubscription.Scope.ALL,
                                  language=language)
    return ReportSubscription(user=user, scope=ReportSubscription.Scope.BRANCH,
                              branch=user.branch, language=language)


@transaction.atomic
def send_one_off(sub: ReportSubscription, monday: date):
    """Queue the report of an unsaved subscription (``kefu reports weekly --send --to``)."""
    if not sub.user.email:
        return None
    subject, text, html = report_for(sub, monday)
    row = queue_report(sub, sub.user.email, subject, text, html)
    QualityEvent.objects.create(kind="weekly_report_sent", actor=None, created_at=timezone.now(),
                                data={"subscription": None, "user": sub.user.pk,
                                      "week": monday.isoformat(), "outbound": row.pk,
                                      "to": sub.user.email})
    return row


def queue_report(sub: ReportSubscription, address: str, subject: str, text: str, html: str):
    """One ``OutboundEmail`` (a notification, no ticket), sent after the commit."""
    from kefu.conversations.outbound import queue_rendered

    return queue_rendered(to_address=address, subject=subject, body_text=text, body_html=html,
                          language=sub.language)


def send_report(sub_id: int, monday: date, *, force: bool = False, to: str | None = None):
    """Send one subscription's report of the week starting ``monday`` (once: ``last_week``
    is checked and set under a row lock; ``force`` sends again, ``to`` to another address).
    Returns the queued e-mail, or None when it was already sent or cannot be."""
    with transaction.atomic():
        sub = (ReportSubscription.objects.select_for_update(of=("self",))
               .select_related("user", "branch", "team").get(pk=sub_id))
        if not force and sub.last_week is not None and sub.last_week >= monday:
            return None
        address = to or sub.user.email
        if not address:
            log.warning("weekly report %s: %s has no e-mail address", sub.pk, sub.user)
            return None
        try:
            scope = subscription_scope(sub)
        except PermissionDenied as exc:
            # not retried every quarter of an hour: the week is marked, the refusal audited
            ReportSubscription.objects.filter(pk=sub.pk).update(last_week=monday)
            QualityEvent.objects.create(kind="weekly_report_refused", actor=None,
                                        created_at=timezone.now(),
                                        data={"subscription": sub.pk, "week": monday.isoformat(),
                                              "reason": exc.message})
            return None
        figures = weekly_figures(monday, scope)
        subject, text, html = render_report(sub, monday, figures)
        row = queue_report(sub, address, subject, text, html)
        if to is None:
            sub.last_week = monday
            ReportSubscription.objects.filter(pk=sub.pk).update(last_week=monday)
        QualityEvent.objects.create(kind="weekly_report_sent", actor=None,
                                    created_at=timezone.now(),
                                    data={"subscription": sub.pk, "week": monday.isoformat(),
                                          "outbound": row.pk, "to": address})
    return row


def send_due(now: datetime | None = None) -> dict:
    """Send every active subscription's report of last week that is due and not yet sent."""
    now = now or timezone.now()
    if not is_due(now):
        return {"sent": 0, "skipped": 0}
    monday = last_week(now)
    sent = skipped = 0
    pending = ReportSubscription.objects.filter(active=True, user__is_active=True).filter(
        Q(last_week__isnull=True) | Q(last_week__lt=monday)).values_list("pk", flat=True)
    for sub_id in list(pending):
        try:
            if send_report(sub_id, monday) is not None:
                sent += 1
            else:
                skipped += 1
        except Exception:  # noqa: BLE001 - one manager's report must not stop the others
            log.exception("weekly report %s could not be sent", sub_id)
            skipped += 1
    return {"sent": sent, "skipped": skipped}
