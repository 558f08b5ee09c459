"""Export responses as CSV (stdout or a file) or XLSX: one row per answer ("long" format),
the same columns ``kefu surveys import`` reads, streamed in response order.

The ``response`` column is the imported reference, or ``#<id>`` for responses given here
(importing those into the same database is refused). Anonymous responses are exported
without customer, ticket or respondent."""

from __future__ import annotations

import csv
import sys
from datetime import datetime

from . import rules
from .models import Answer, Question, Response

HEADER = ["response", "instrument", "version", "submitted_at", "language", "source",
          "anonymous", "customer", "customer_ref", "ticket", "wave", "branch", "team", "tier",
          "agent", "contact_channel", "question", "dimension", "column", "value", "choices",
          "text"]
CHUNK = 2000


def column_name(number: int) -> str:
    return rules.COLUMN_NAMES.get(number, str(number))


def _rows(responses):
    questions: dict[int, Question] = {}
    last = 0
    while True:
        batch = list(responses.filter(pk__gt=last).order_by("pk").select_related(
            "instrument", "version", "customer", "branch", "team", "tier", "agent")[:CHUNK])
        if not batch:
            return
        last = batch[-1].pk
        versions = {r.version_id for r in batch}
        for q in Question.objects.filter(version_id__in=versions).exclude(
                pk__in=list(questions)):
            questions[q.pk] = q
        by_response: dict[int, list[Answer]] = {}
        for a in Answer.objects.filter(response_id__in=[r.pk for r in batch]).order_by(
                "response_id", "question_id", "column"):
            by_response.setdefault(a.response_id, []).append(a)
        for r in batch:
            head = [r.external_ref or f"#{r.pk}", r.instrument.code, r.version.number,
                    r.submitted_at.isoformat(), r.language, r.source,
                    "yes" if r.anonymous else "no",
                    r.customer_id or "", r.customer.external_ref if r.customer_id else "",
                    r.ticket_id or "", r.wave_id or "",
                    r.branch.code if r.branch_id else "", r.team.code if r.team_id else "",
                    r.tier.code if r.tier_id else "", r.agent.username if r.agent_id else "",
                    r.contact_channel]
            answers = sorted(by_response.get(r.pk, []),
                             key=lambda a: (questions[a.question_id].order, a.question_id,
                                            a.column))
            for a in answers:
                q = questions[a.question_id]
                dimension = q.dimension
                if q.kind == rules.QuestionKind.WEIGHTS:
                    dimension = rules.DIMENSIONS[a.column - 11].value
                value = "" if a.value is None else a.value
                if q.kind == rules.QuestionKind.SINGLE:
                    value = ""  # the option's position is internal; its code is in choices
                yield [*head, q.code, dimension, column_name(a.column), value,
                       "|".join(a.choices or []), a.text or ""]


def export_responses(*, fmt: str, output: str | None, instrument: str | None = None,
                     wave: int | None = None, since: datetime | None = None) -> int:
    """Write the responses (optionally of one instrument, one wave, submitted since a
    moment); returns the number of answer rows."""
    qs = Response.objects.all()
    if instrument:
        qs = qs.filter(instrument__code=instrument)
    if wave:
        qs = qs.filter(wave_id=wave)
    if since:
        qs = qs.filter(submitted_at__gte=since)
    count = 0
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("responses")
        sheet.append(HEADER)
        for row in _rows(qs):
            sheet.append(row)
            count += 1
        workbook.save(output or "responses.xlsx")
        return count
    fh = open(output, "w", newline="", encoding="utf-8-sig") if output else sys.stdout
    try:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in _rows(qs):
            writer.writerow(row)
            count += 1
    finally:
        if output:
            fh.close()
    return count
