"""Export tickets as CSV (stdout or file) or XLSX, streaming in id order."""

from __future__ import annotations

import csv
import sys

from .models import Ticket

HEADER = ["id", "subject", "type", "priority", "status", "channel", "customer_id", "customer",
          "tier", "team", "owner", "assignee", "category", "created_at", "updated_at",
          "first_response_at", "resolved_at", "closed_at"]


def _rows(status: list[str]):
    qs = Ticket.objects.all()
    if status:
        qs = qs.filter(status__in=status)
    qs = qs.select_related("customer__tier", "team", "owner", "assignee", "category").order_by("pk")
    for t in qs.iterator(chunk_size=2000):
        yield [t.pk, t.subject, t.type, t.priority, t.status, t.channel, t.customer_id,
               t.customer.name, t.customer.tier.code, t.team.code,
               t.owner.username if t.owner_id else "", t.assignee.username if t.assignee_id else "",
               t.category.code if t.category_id else "",
               *[(v.isoformat() if v else "") for v in (t.created_at, t.updated_at,
                                                         t.first_response_at, t.resolved_at,
                                                         t.closed_at)]]


def export_tickets(*, fmt: str, output: str | None, status: list[str] | None = None) -> int:
    count = 0
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("tickets")
        sheet.append(HEADER)
        for row in _rows(status or []):
            sheet.append(row)
            count += 1
        workbook.save(output or "tickets.xlsx")
        return count
    fh = open(output, "w", newline="", encoding="utf-8-sig") if output else sys.stdout
    try:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in _rows(status or []):
            writer.writerow(row)
            count += 1
    finally:
        if output:
            fh.close()
    return count
