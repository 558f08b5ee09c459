"""Import responses collected elsewhere (CSV in any encoding, or XLSX): the long format that
``kefu surveys export`` writes — one row per answer, grouped into responses by the
``response`` column (your reference for the response, unique per instrument).

Every row and every response is checked first — against the instrument's version exactly as
``response_submit`` checks an answer (scale, columns, options, required questions, weights
adding up to 100) — and the errors name the row and the column. Only a file without a
single error is written, in one transaction (responses, answers, rollups); otherwise
nothing is.

Columns (``response``, ``instrument`` and ``question`` are required; the others may be left
out): response, instrument, version (default: the published one), submitted_at (ISO 8601
with a time zone; default: now), language, anonymous (yes/no), customer (id) or
customer_ref (the customer's external reference), ticket, branch, team, tier (codes), agent
(user name), contact_channel, question (code), column (value, expectation, perception,
desired, adequate, weight_<dimension>), value, choices (option codes separated by ``|``),
text. Export-only columns (source, wave, dimension) are ignored.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Branch, Team, User
from kefu.core.importing import ImportFailed, opened_csv, xlsx_rows
from kefu.customers.models import Customer, Tier
from kefu.tickets.models import CHANNEL_CHOICES, Ticket

from . import rollups, rules
from .models import Answer, Instrument, InstrumentVersion, Question, Response
from .services.responses import problem_message

REQUIRED = ("response", "instrument", "question")
KNOWN = {"response", "instrument", "version", "submitted_at", "language", "source",
         "anonymous", "customer", "customer_ref", "ticket", "wave", "branch", "team", "tier",
         "agent", "contact_channel", "question", "dimension", "column", "value", "choices",
         "text"}
YES = {"1", "true", "yes", "y", "是", "t"}
NO = {"0", "false", "no", "n", "否", "f", ""}
MAX_ROWS = 2_000_000
MAX_ERRORS = 200
CHANNELS = {code for code, _label in CHANNEL_CHOICES}


@dataclass
class ImportResult:
    responses: int = 0
    answers: int = 0


@dataclass
class _Pending:
    """One response being assembled from its rows."""

    ref: str
    first_row: int
    head: dict
    version: InstrumentVersion | None = None
    answers: dict = field(default_factory=dict)
    rows_of: dict = field(default_factory=dict)  # question code → (row, column name)
    seen: set = field(default_factory=set)


def _read_csv(path: str, encoding: str) -> tuple[list[str], list[tuple[int, dict]]]:
    with opened_csv(path, encoding) as fh:
        reader = csv.DictReader(fh)
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        rows = []
        for number, row in enumerate(reader, start=2):
            rows.append((number, {(k or "").strip().lower(): (v or "").strip()
                                  for k, v in row.items() if k is not None}))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([f"more than {MAX_ROWS} rows"])
        return header, rows


def _read_xlsx(path: str) -> tuple[list[str], list[tuple[int, dict]]]:
    lines = xlsx_rows(path)
    try:
        header = [str(h or "").strip().lower() for h in next(lines)]
    except StopIteration:
        return [], []
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = ["" if v is None else (v.isoformat() if isinstance(v, datetime) else str(v))
                 for v in values]
        if not any(cells):
            continue
        rows.append((number, {h: c.strip() for h, c in zip(header, cells, strict=False) if h}))
        if len(rows) > MAX_ROWS:
            raise ImportFailed([f"more than {MAX_ROWS} rows"])
    return header, rows


def _int(text: str):
    try:
        if text.strip().lstrip("+-").isdigit():
            return int(text)
        as_float = float(text)
        return int(as_float) if as_float.is_integer() else None
    except ValueError:
        return None


class _Checker:
    def __init__(self):
        self.errors: list[str] = []
        self.instruments = {i.code: i for i in Instrument.objects.all()}
        self.versions: dict[tuple[int, int | None], InstrumentVersion | None] = {}
        self.questions: dict[int, dict[str, Question]] = {}
        self.branches = {b.code: b.pk for b in Branch.objects.all()}
        self.teams = {t.code: t.pk for t in Team.objects.all()}
        self.tiers = {t.code: t.pk for t in Tier.objects.all()}
        self.agents: dict[str, int | None] = {}
        self.customers: dict[tuple[str, str], int | None] = {}

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(f"row {row}, column {column}: {message}")
        if len(self.errors) >= MAX_ERRORS:
            raise ImportFailed(self.errors + ["… stopped after 200 errors"])

    def version(self, instrument: Instrument, number: int | None):
        key = (instrument.pk, number)
        if key not in self.versions:
            qs = instrument.versions.all()
            self.versions[key] = (qs.filter(number=number).first() if number is not None
                                  else qs.filter(status=rules.VersionStatus.PUBLISHED).first())
            if self.versions[key] is not None:
                self.questions[self.versions[key].pk] = {
                    q.code: q for q in self.versions[key].questions.order_by("order", "id")}
        return self.versions[key]

    def agent(self, username: str):
        if username not in self.agents:
            self.agents[username] = User.objects.filter(username=username).exclude(
                role="customer").values_list("pk", flat=True).first()
        return self.agents[username]

    def customer(self, column: str, value: str):
        key = (column, value)
        if key not in self.customers:
            if column == "customer":
                number = _int(value)
                self.customers[key] = (Customer.objects.filter(pk=number).values_list(
                    "pk", flat=True).first() if number and number > 0 else None)
            else:
                self.customers[key] = Customer.objects.filter(external_ref=value).values_list(
                    "pk", flat=True).order_by("pk").first()
        return self.customers[key]


def _head(check: _Checker, number: int, row: dict) -> dict | None:
    """The response-level columns of a row, checked."""
    ok = True
    code = row.get("instrument", "")
    instrument = check.instruments.get(code)
    if instrument is None:
        check.error(number, "instrument", f"unknown instrument {code!r}")
        return None
    version_text = row.get("version", "")
    number_v = _int(version_text) if version_text else None
    if version_text and (number_v is None or number_v < 1):
        check.error(number, "version", f"expected a version number, got {version_text!r}")
        return None
    version = check.version(instrument, number_v)
    if version is None:
        check.error(number, "version", f"{code} has no version {version_text}" if version_text
                    else f"{code} has no published version")
        return None
    if version.status == rules.VersionStatus.DRAFT:
        check.error(number, "version", f"{code} version {version.number} is a draft")
        return None
    head = {"instrument": instrument, "version": version}
    when = row.get("submitted_at", "")
    if when:
        try:
            moment = datetime.fromisoformat(when)
            if moment.tzinfo is None:
                raise ValueError
            head["submitted_at"] = moment
        except ValueError:
            check.error(number, "submitted_at",
                        f"expected an ISO 8601 time with a time zone, got {when!r}")
            ok = False
    language = (row.get("language") or "zh-hans").lower()
    if language not in ("zh-hans", "en"):
        check.error(number, "language", f"expected zh-hans or en, got {language!r}")
        ok = False
    head["language"] = language
    anonymous = (row.get("anonymous") or "").lower()
    if anonymous not in YES | NO:
        check.error(number, "anonymous", f"expected yes/no, got {row.get('anonymous')!r}")
        ok = False
    head["anonymous"] = anonymous in YES
    if head["anonymous"] and not instrument.anonymous_allowed:
        check.error(number, "anonymous", f"{code} cannot be answered anonymously")
        ok = False
    for column, table in (("branch", check.branches), ("team", check.teams),
                          ("tier", check.tiers)):
        value = row.get(column, "")
        if value and value not in table:
            check.error(number, column, f"unknown {column} {value!r}")
            ok = False
        head[f"{column}_id"] = table.get(value)
    agent = row.get("agent", "")
    head["agent_id"] = check.agent(agent) if agent else None
    if agent and head["agent_id"] is None:
        check.error(number, "agent", f"unknown staff user {agent!r}")
        ok = False
    head["customer_id"] = None
    for column in ("customer", "customer_ref"):
        value = row.get(column, "")
        if value:
            found = check.customer(column, value)
            if found is None:
                check.error(number, column, f"unknown customer {value!r}")
                ok = False
            head["customer_id"] = head["customer_id"] or found
    if head["anonymous"]:
        head["customer_id"] = None
    ticket = row.get("ticket", "")
    head["ticket_id"] = None
    if ticket and not head["anonymous"]:
        ticket_id = _int(ticket)
        if not ticket_id or ticket_id < 1 or not Ticket.objects.filter(pk=ticket_id).exists():
            check.error(number, "ticket", f"unknown ticket {ticket!r}")
            ok = False
        head["ticket_id"] = ticket_id
    channel = row.get("contact_channel", "")
    if channel and channel not in CHANNELS:
        check.error(number, "contact_channel", f"unknown channel {channel!r}")
        ok = False
    head["contact_channel"] = channel
    return head if ok else None


def _answer_cell(check: _Checker, number: int, row: dict, question: Question, pending: _Pending):
    """Put one row's answer into the response's answers (shaped as response_submit takes
    them); remember which row and column it came from for messages."""
    column = (row.get("column") or "value").lower()
    kind = question.kind
    key = (question.code, column)
    if key in pending.seen:
        check.error(number, "question", f"{question.code} ({column}) appears twice in "
                    f"response {pending.ref}")
        return
    pending.seen.add(key)
    value_text = row.get("value", "")
    if kind in (rules.QuestionKind.SERVQUAL, rules.QuestionKind.WEIGHTS,
                rules.QuestionKind.RATING, rules.QuestionKind.LIKERT):
        value = _int(value_text) if value_text else None
        if value_text and value is None:
            check.error(number, "value", f"expected a whole number, got {value_text!r}")
            return
        if kind == rules.QuestionKind.SERVQUAL:
            pending.answers.setdefault(question.code, {})[column] = value
            pending.rows_of[(question.code, column)] = (number, "value")
        elif kind == rules.QuestionKind.WEIGHTS:
            if not column.startswith("weight_"):
                check.error(number, "column", f"{question.code} takes weight_<dimension> "
                            f"columns, not {column!r}")
                return
            pending.answers.setdefault(question.code, {})[column[len("weight_"):]] = value
            pending.rows_of[(question.code, column[len("weight_"):])] = (number, "value")
        else:
            if column != "value":
                check.error(number, "column", f"{question.code} has no column {column!r}")
                return
            pending.answers[question.code] = value
        pending.rows_of.setdefault((question.code, ""), (number, "value"))
        return
    if column != "value":
        check.error(number, "column", f"{question.code} has no column {column!r}")
        return
    if kind == rules.QuestionKind.SINGLE:
        pending.answers[question.code] = row.get("choices", "") or None
        pending.rows_of[(question.code, "")] = (number, "choices")
    elif kind == rules.QuestionKind.MULTIPLE:
        choices = [c.strip() for c in row.get("choices", "").split("|") if c.strip()]
        pending.answers[question.code] = choices or None
        pending.rows_of[(question.code, "")] = (number, "choices")
    else:
        pending.answers[question.code] = row.get("text", "") or None
        pending.rows_of[(question.code, "")] = (number, "text")


def import_responses(path: str, *, encoding: str = "utf-8-sig", fmt: str | None = None,
                     progress: bool = False) -> ImportResult:
    fmt = fmt or ("xlsx" if path.lower().endswith(".xlsx") else "csv")
    header, rows = _read_xlsx(path) if fmt == "xlsx" else _read_csv(path, encoding)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([f"the header has no {', '.join(repr(c) for c in missing)} column "
                            f"(known columns: {', '.join(sorted(KNOWN))})"])
    unknown = [h for h in header if h and h not in KNOWN]
    if unknown:
        raise ImportFailed([f"unknown column(s): {', '.join(unknown)}"])
    if not rows:
        raise ImportFailed(["the file has no rows"])
    check = _Checker()
    pending: dict[tuple[str, str], _Pending] = {}
    for number, row in rows:
        ref = row.get("response", "")
        if not ref:
            check.error(number, "response", "empty (give each response a reference)")
            continue
        if len(ref) > 80 or "\x00" in ref:
            check.error(number, "response", "longer than 80 characters")
            continue
        key = (row.get("instrument", ""), ref)
        item = pending.get(key)
        if item is None:
            head = _head(check, number, row)
            item = pending[key] = _Pending(ref=ref, first_row=number, head=head or {},
                                           version=head["version"] if head else None)
        if item.version is None:
            continue
        code = row.get("question", "")
        question = check.questions[item.version.pk].get(code)
        if question is None:
            check.error(number, "question", f"{item.version.instrument.code} version "
                        f"{item.version.number} has no question {code!r}")
            continue
        _answer_cell(check, number, row, question, item)
    prepared = []
    for (instrument_code, ref), item in pending.items():
        if item.version is None:
            continue
        instrument = item.head["instrument"]
        if ref.startswith("#") and ref[1:].isdigit() and Response.objects.filter(
                pk=int(ref[1:]), instrument=instrument).exists():
            check.error(item.first_row, "response",
                        f"response {ref} is this database's own (exported from here)")
            continue
        if Response.objects.filter(instrument=instrument, external_ref=ref).exists():
            check.error(item.first_row, "response", f"response {ref} of {instrument_code} "
                        "was imported already")
            continue
        questions = check.questions[item.version.pk]
        specs = [q.spec() for q in questions.values()]
        try:
            clean = rules.clean_answers(specs, item.answers)
        except rules.AnswersInvalid as exc:
            for problem in exc.problems:
                where = item.rows_of.get((problem.question, problem.column)) or \
                    item.rows_of.get((problem.question, "")) or (item.first_row, "question")
                check.error(where[0], where[1], problem_message(problem, questions))
            continue
        prepared.append((item, specs, clean))
    if check.errors:
        raise ImportFailed(check.errors)
    return _write(prepared, progress=progress)


@transaction.atomic
def _write(prepared, *, progress: bool) -> ImportResult:
    from tqdm import tqdm

    result = ImportResult()
    now = timezone.now()
    for item, specs, clean in tqdm(prepared, disable=not progress, unit="response",
                                   desc="import"):
        head = item.head
        submitted = head.get("submitted_at") or now
        response = Response.objects.create(
            instrument=head["instrument"], version=head["version"],
            customer_id=head["customer_id"], ticket_id=head["ticket_id"],
            anonymous=head["anonymous"], source=rules.Source.IMPORT, language=head["language"],
            submitted_at=submitted, period=rollups.period_of(submitted), external_ref=item.ref,
            branch_id=head["branch_id"], team_id=head["team_id"], tier_id=head["tier_id"],
            agent_id=head["agent_id"], contact_channel=head["contact_channel"])
        Answer.objects.bulk_create([
            Answer(response=response, question_id=a.question_id, column=int(a.column),
                   value=a.value, choices=list(a.choices) if a.choices is not None else None,
                   text=a.text) for a in clean])
        rollups.apply(response, specs, clean, head["instrument"].kind)
        result.responses += 1
        result.answers += len(clean)
    return result

