"""Every dashboard table as CSV or XLSX: ``TABLES`` names each table, the selector it comes
from and how its rows are laid out; ``export(name, f, fmt)`` answers the file. The figures
are the selectors' (the same numbers as the charts and the API). CSV is UTF-8 with a byte
order mark (so that spreadsheet programs read Chinese), and text cells that a spreadsheet
would take for a formula (= + - @) are prefixed with an apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import ApplicationError

from .selectors import scores, servqual, tickets
from .selectors.filters import DashboardFilter

FORMATS = ("csv", "xlsx")


def _m(fig, key="mean"):
    return None if not fig else fig.get(key)


def _ci(fig, i):
    return None if not fig or not fig.get("ci95") else fig["ci95"][i]


def _mean_cols(name):
    return [name, f"{name} 95% CI low", f"{name} 95% CI high", f"{name} n"]


def _mean_vals(fig):
    return [_m(fig), _ci(fig, 0), _ci(fig, 1), _m(fig, "n")]


def _servqual_dimensions(data):
    head = [_("Dimension"), *_mean_cols(_("Expectation")), *_mean_cols(_("Perception")),
            *_mean_cols(_("Gap")), _("Importance (points of 100)")]
    rows = [[d["label"], *_mean_vals(d["expectation"]), *_mean_vals(d["perception"]),
             *_mean_vals(d["gap"]), d["importance"]] for d in data["dimensions"]]
    return head, rows


def _servqual_items(data):
    head = [_("Item"), _("Statement"), _("Dimension"), *_mean_cols(_("Expectation")),
            *_mean_cols(_("Perception")), *_mean_cols(_("Gap"))]
    return head, [[i["item"], i["label"], i["dimension"], *_mean_vals(i["expectation"]),
                   *_mean_vals(i["perception"]), *_mean_vals(i["gap"])] for i in data["items"]]


def _zone(data):
    head = [_("Dimension"), *_mean_cols(_("Desired")), *_mean_cols(_("Adequate")),
            *_mean_cols(_("Perceived")), *_mean_cols("MSA"), *_mean_cols("MSS"),
            _("Position")]
    return head, [[d["label"], *_mean_vals(d["desired"]), *_mean_vals(d["adequate"]),
                   *_mean_vals(d["perception"]), *_mean_vals(d["msa"]), *_mean_vals(d["mss"]),
                   d["position"]] for d in data["dimensions"]]


def _trend(data):
    keys = list(data["series"])
    head = [_("Month"), *[f"{data['labels'][k]} ({_('gap')})" for k in keys],
            *[f"{data['labels'][k]} n" for k in keys]]
    by_month = {m: {} for m in data["months"]}
    for key, points in data["series"].items():
        for p in points:
            by_month.setdefault(p["month"], {})[key] = p
    return head, [[m, *[_m(by_month[m].get(k)) for k in keys],
                   *[_m(by_month[m].get(k), "n") for k in keys]] for m in by_month]


def _gaps_model(data):
    head = [_("Dimension"), _("Customers' expectation"), _("Managers' estimate"),
            _("Gap 1 (listening gap)"), _("Customer gap (P − E)"),
            _("Importance to customers"), _("Importance managers believe")]
    return head, [[d["label"], _m(d["customer_expectation"]), _m(d["management_expectation"]),
                   d["gap1"], _m(d["customer_gap"]), d["customer_importance"],
                   d["management_importance"]] for d in data["dimensions"]]


def _scores(data):
    head = [_("Name")]
    for label in ("CSAT %", "NPS", "CES"):
        head += [label, f"{label} 95% CI low", f"{label} 95% CI high", f"{label} n",
                 f"{label} {_('rank')}", f"{label} {_('status')}"]
    rows = []
    for r in data["rows"]:
        row = [r["name"]]
        for m in scores.MEASURES:
            fig = r[m]
            row += [_m(fig, "value"), _ci(fig, 0), _ci(fig, 1), _m(fig, "n"), _m(fig, "rank"),
                    _m(fig, "status")]
        rows.append(row)
    return head, rows


def _pareto(data):
    head = [_("Category"), _("Complaints"), _("Share %"), _("Cumulative %")]
    return head, [[c["name"], c["count"], c["share"], c["cumulative"]]
                  for c in data["categories"]]


def _rate_cols(name):
    return [f"{name} %", f"{name} 95% CI low", f"{name} 95% CI high", f"{name} n"]


def _rate_vals(fig):
    return [_m(fig, "value"), _ci(fig, 0), _ci(fig, 1), _m(fig, "n")]


def _sla(data):
    head = [_("Team"), _("Tickets"), _("With a due time"),
            *_rate_cols(_("No breach")), _("First response met"), _("First response breached"),
            _("First response running"), _("Resolution met"), _("Resolution breached"),
            _("Resolution running")]
    rows = []
    for t in [*data["teams"], data["total"]]:
        rows.append([t["name"], t["tickets"], t["with_sla"], *_rate_vals(t["no_breach"]),
                     t["first_response"]["met"], t["first_response"]["breached"],
                     t["first_response"]["running"], t["resolution"]["met"],
                     t["resolution"]["breached"], t["resolution"]["running"]])
    return head, rows


def _resolution(data):
    head = [_("Team"), _("Tickets"), _("Resolved"), *_rate_cols(_("First-contact resolution")),
            *_rate_cols(_("Reopen rate"))]
    return head, [[t["name"], t["tickets"], t["resolved"], *_rate_vals(t["fcr"]),
                   *_rate_vals(t["reopen"])] for t in [*data["teams"], data["total"]]]


@dataclass(frozen=True)
class Table:
    title: object  # lazy text
    selector: Callable[[DashboardFilter], dict]
    layout: Callable[[dict], tuple[list, list[list]]]


TABLES: dict[str, Table] = {
    "servqual-dimensions": Table(gettext_lazy("SERVQUAL by dimension"), servqual.overview,
                                 _servqual_dimensions),
    "servqual-items": Table(gettext_lazy("SERVQUAL by item"), servqual.overview, _servqual_items),
    "zone-of-tolerance": Table(gettext_lazy("Zone of tolerance"), servqual.zone, _zone),
    "servqual-trend": Table(gettext_lazy("Gap by month"), servqual.trend, _trend),
    "gaps-model": Table(gettext_lazy("Gaps model"), servqual.gaps_model, _gaps_model),
    "scores-teams": Table(gettext_lazy("CSAT, NPS and CES by team"), scores.by_team, _scores),
    "scores-agents": Table(gettext_lazy("CSAT, NPS and CES by agent"), scores.by_agent,
                           _scores),
    "scores-branches": Table(gettext_lazy("CSAT, NPS and CES by branch"), scores.by_branch,
                             _scores),
    "scores-months": Table(gettext_lazy("CSAT, NPS and CES by month"), scores.trend, _scores),
    "complaint-pareto": Table(gettext_lazy("Complaints by category"), tickets.complaint_pareto,
                              _pareto),
    "sla": Table(gettext_lazy("SLA compliance"), tickets.sla, _sla),
    "resolution": Table(gettext_lazy("First-contact resolution and reopen rate"),
                        tickets.resolution, _resolution),
}


def table_rows(name: str, f: DashboardFilter) -> tuple[list, list[list]]:
    table = TABLES.get(name)
    if table is None:
        raise ApplicationError("invalid_table", _("Unknown table."), details={"field": "table"},
                               status=404)
    return table.layout(table.selector(f))


def _safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


#: The most rows a drill-down list exports (newest first).
MAX_LIST_ROWS = 5000


def _pages(fetch) -> list[dict]:
    """Every item of a drill-down list, page after page (``fetch(cursor)``), up to
    ``MAX_LIST_ROWS``."""
    items, cursor = [], None
    while len(items) < MAX_LIST_ROWS:
        page = fetch(cursor)
        items += page["items"]
        cursor = page["next"]
        if not cursor:
            break
    return items[:MAX_LIST_ROWS]


def responses_rows(fetch) -> tuple[list, list[list]]:
    head = ["#", _("Submitted"), _("Customer"), _("Score"), _("Branch"), _("Team"), _("Agent"),
            _("Customer tier"), _("Channel"), _("Ticket")]
    rows = [[r["id"], r["submitted_at"], _("anonymous") if r["anonymous"] else
             (r["customer"] or {}).get("name"), r["value"], r["branch"], r["team"], r["agent"],
             r["tier"], r["channel"], r["ticket"]] for r in _pages(fetch)]
    return head, rows


def tickets_rows(fetch) -> tuple[list, list[list]]:
    head = ["#", _("Subject"), _("Status"), _("Category"), _("Customer"), _("Branch"), _("Team"),
            _("Created")]
    rows = [[t["id"], t["subject"], t["status_label"], t["category"], t["customer"], t["branch"],
             t["team"], t["created_at"]] for t in _pages(fetch)]
    return head, rows


def export(name: str, f: DashboardFilter, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise ApplicationError("invalid_format", _("Export as csv or xlsx."),
                               details={"field": "format"}, status=404)
    head, rows = table_rows(name, f)
    return file_response(name, head, rows, fmt, f"kefu-{name}-{f.start:%Y%m}-{f.end:%Y%m}")


def file_response(name: str, head: list, rows: list[list], fmt: str,
                  stem: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise ApplicationError("invalid_format", _("Export as csv or xlsx."),
                               details={"field": "format"}, status=404)
    filename = f"{stem}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_safe(str(h)) for h in head])
        writer.writerows([[_safe(v) for v in row] for row in rows])
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = name[:31]
        sheet.append([str(h) for h in head])
        for row in rows:
            sheet.append([_safe(v) for v in row])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
