"""The responses and tickets behind a figure: the same filter and scope as the figure,
newest first, one page at a time (keyset on ``-submitted_at`` / ``-created_at``, id).

- ``responses(f, instrument=…, low=…, high=…)``: responses to an instrument (by code), with
  their headline answer (the CSAT / NPS / CES scale value, the SERVQUAL respondent's
  answers counted); ``low`` / ``high`` keep the responses whose headline value lies in
  that range (e.g. the NPS detractors: 0–6) — CSAT, NPS and CES only.
- ``tickets(f, metric=…, category=…, team=…)``: the tickets counted by a ticket figure:
  ``all``, ``complaints`` (of a category: ``category``; ``0``: uncategorised),
  ``first_response_breached``, ``resolution_breached``, ``breached`` (any target),
  ``reopened``, ``fcr``, ``not_fcr``.
- ``response(scope, id)``: one response with its answers, or ``NotFound``.

The management-perception survey is read like its figure (``servqual.gaps_model``): its
company-wide answers (no branch, no team) belong to every scope.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError, NotFound
from kefu.core.pagination import keyset_page, valid_id
from kefu.surveys import rules
from kefu.surveys import selectors as survey_selectors
from kefu.surveys.models import Answer, Instrument, Question, Response
from kefu.tickets.models import Ticket

from . import tickets as ticket_figures
from .filters import DashboardFilter, Scope
from .scores import SCALE_QUESTIONS

PAGE = 50
TICKET_METRICS = ("all", "complaints", "first_response_breached", "resolution_breached",
                  "breached", "reopened", "fcr", "not_fcr")


def _instrument(code: str) -> Instrument:
    found = Instrument.objects.filter(code=code).first() if isinstance(code, str) else None
    if found is None:
        raise ApplicationError("invalid_filter", _("Unknown survey instrument."),
                               details={"field": "instrument"})
    return found


def _scale_questions(instrument: Instrument):
    return Question.objects.filter(version__instrument=instrument,
                                   code=SCALE_QUESTIONS.get(instrument.kind, ""))


def responses(f: DashboardFilter, *, instrument: str, low: int | None = None,
              high: int | None = None, cursor: str | None = None, limit: int = PAGE) -> dict:
    found = _instrument(instrument)
    qs = f.responses(Response.objects.filter(instrument_id=found.pk),
                     staff=found.kind in rules.STAFF_KINDS)
    scale = found.kind in SCALE_QUESTIONS
    if (low is not None or high is not None):
        if not scale:
            raise ApplicationError("invalid_filter", _("Only CSAT, NPS and CES responses can be "
                                                       "filtered by score."),
                                   details={"field": "low"})
        answers = Answer.objects.filter(response=OuterRef("pk"),
                                        question__in=_scale_questions(found))
        if low is not None:
            answers = answers.filter(value__gte=low)
        if high is not None:
            answers = answers.filter(value__lte=high)
        qs = qs.filter(Exists(answers))
    rows, next_cursor = keyset_page(
        qs.select_related("branch", "team", "agent", "tier", "customer", "ticket"),
        field="submitted_at", descending=True, cursor=cursor, limit=limit)
    values: dict[int, int] = {}
    if scale and rows:
        values = dict(Answer.objects.filter(response_id__in=[r.pk for r in rows],
                                            question__in=_scale_questions(found))
                      .values_list("response_id", "value"))
    return {"instrument": found.code, "kind": found.kind, "next": next_cursor,
            "items": [_response_row(r, values.get(r.pk)) for r in rows]}


def _label(obj) -> str | None:
    return None if obj is None else getattr(obj, "label", None) or str(obj)


def _response_row(r: Response, value) -> dict:
    return {"id": r.pk, "submitted_at": r.submitted_at.isoformat(), "anonymous": r.anonymous,
            "customer": None if r.customer is None else {"id": r.customer_id,
                                                         "name": r.customer.name},
            "ticket": r.ticket_id, "branch": _label(r.branch), "team": _label(r.team),
            "agent": r.agent.name if r.agent else None, "tier": _label(r.tier),
            "channel": r.contact_channel or None, "value": value}


def response(scope: Scope, response_id) -> dict:
    """One response in the viewer's scope, with its answers (``NotFound`` otherwise)."""
    pk = int(response_id) if isinstance(response_id, str) and response_id.isdigit() \
        else response_id
    qs = Response.objects.select_related("instrument", "branch", "team", "agent", "tier",
                                         "customer", "ticket")
    q = scope.q()
    if q is not None:
        # staff surveys' company-wide answers count in every scope (see ``servqual.gaps_model``)
        qs = qs.filter(q | Q(instrument__kind__in=sorted(rules.STAFF_KINDS),
                             branch_id__isnull=True, team_id__isnull=True))
    found = list(qs.filter(pk=pk)[:1]) if valid_id(pk) else []
    if not found:
        raise NotFound(_("Survey response"), response_id)
    r = found[0]
    return {**_response_row(r, None), "instrument": r.instrument.code,
            "instrument_name": r.instrument.label, "kind": r.instrument.kind,
            "answers": survey_selectors.response_answers(r)}


def tickets(f: DashboardFilter, *, metric: str = "all", category: int | None = None,
            cursor: str | None = None, limit: int = PAGE) -> dict:
    if metric not in TICKET_METRICS:
        raise ApplicationError("invalid_filter", _("Unknown ticket figure."),
                               details={"field": "metric"})
    qs = ticket_figures.base(f)
    if metric == "complaints":
        qs = qs.filter(type="complaint")
        if category is not None:
            qs = qs.filter(category__isnull=True) if category == 0 else qs.filter(
                category_id=category)
    elif metric == "first_response_breached":
        qs = qs.filter(sla__first_response_breached=True)
    elif metric == "resolution_breached":
        qs = qs.filter(sla__resolution_breached=True)
    elif metric == "breached":
        qs = qs.filter(Q(sla__first_response_breached=True) | Q(sla__next_update_breached=True)
                       | Q(sla__resolution_breached=True) | Q(sla__sunset_breached=True))
    elif metric == "reopened":
        qs = qs.filter(ticket_figures.reopened_exists())
    elif metric in ("fcr", "not_fcr"):
        qs = ticket_figures.resolution_annotated(qs.filter(ticket_figures.RESOLVED))
        qs = qs.filter(ticket_figures.fcr_q()) if metric == "fcr" else qs.exclude(
            ticket_figures.fcr_q())
    rows, next_cursor = keyset_page(
        qs.select_related("team", "branch", "category", "customer"), field="created_at",
        descending=True, cursor=cursor, limit=limit)
    return {"metric": metric, "next": next_cursor, "items": [_ticket_row(t) for t in rows]}


def _ticket_row(t: Ticket) -> dict:
    return {"id": t.pk, "subject": t.subject, "status": t.status,
            "status_label": str(t.get_status_display()), "type": t.type,
            "created_at": t.created_at.isoformat(), "team": _label(t.team),
            "branch": _label(t.branch), "category": _label(t.category),
            "customer": t.customer.name if t.customer_id else None}
