"""The real counts behind the impact panel, for a dashboard filter (period, slice, the
viewer's scope): dissatisfied answers from the survey rollups (CSAT 1–2 of 1–5, NPS
detractors 0–6), complaints received from the tickets (complaint tickets created in the
period, without those a survey answer opened: the customer did not complain, we asked).

Written here rather than in ``selectors.scores`` (the dashboards' module, which gives % satisfied
and NPS, not the counts of the bottom points); it reads the same rollup rows the same way."""

from __future__ import annotations

from django.db.models import Subquery, Sum

from kefu.surveys import rules
from kefu.surveys.models import Instrument, Question
from kefu.tickets.models import Ticket

from .selectors.filters import DashboardFilter

#: The scale question of each kind and the highest value counted as dissatisfied.
DISSATISFIED = {"csat": ("rating", 2), "nps": ("score", 6)}


def dissatisfied_answers(f: DashboardFilter) -> dict[str, int]:
    """{"csat": answers at 1–2, "nps": detractors} in the filter's period, slice and scope."""
    kinds = dict(Instrument.objects.filter(kind__in=list(DISSATISFIED)).values_list("pk", "kind"))
    out = dict.fromkeys(DISSATISFIED, 0)
    if not kinds:
        return out
    questions = Question.objects.filter(
        version__instrument_id__in=list(kinds), kind=rules.QuestionKind.RATING,
        code__in=[code for code, _top in DISSATISFIED.values()]).values("pk")
    qs = f.rollup_rows().filter(instrument_id__in=list(kinds),
                                question_id__in=Subquery(questions),
                                column=rules.Column.VALUE, option__gt=0)
    rows = (qs.values_list("instrument_id", "option")
            .annotate(n=Sum("count"), t=Sum("total")).order_by())
    for instrument_id, _option, n, total in rows:
        if not n:
            continue
        kind = kinds[instrument_id]
        # every answer of an option row has the same value: its sum over its count
        if round(total / n) <= DISSATISFIED[kind][1]:
            out[kind] += int(n)
    return out


def complaints_received(f: DashboardFilter) -> int:
    qs = Ticket.objects.filter(type="complaint", survey_recovery__isnull=True)
    return f.tickets(qs).count()
