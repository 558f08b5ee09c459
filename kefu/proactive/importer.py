"""Import purchases (CSV in any encoding, or XLSX): check every row first, write all of them
in one transaction, or nothing when any row is wrong (each error names its row).

Columns: ``customer`` (id) or ``customer_ref`` (the customer's external reference),
``product`` (code), ``date`` (YYYY-MM-DD, not in the future), ``quantity`` (> 0), and
optionally ``amount`` (≥ 0; default quantity × the product's price).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError
from kefu.core.importing import ImportFailed, opened_csv, xlsx_rows
from kefu.customers.models import Customer, CustomerEvent

from .models import Product, Purchase
from .services import clean_purchase

KNOWN = {"customer", "customer_ref", "product", "date", "quantity", "amount"}
MAX_ROWS = 2_000_000
MAX_ERRORS = 200
BATCH = 5000


@dataclass
class ImportResult:
    purchases: int = 0
    customers: int = 0
    errors: list[str] = field(default_factory=list)


def read_csv(path: str, encoding: str) -> list[tuple[int, dict]]:
    with opened_csv(path, encoding) as fh:
        return rows_from_lines(fh)


def rows_from_lines(lines) -> list[tuple[int, dict]]:
    """(row number, {column: text}) from CSV text lines; row 1 is the header."""
    try:
        reader = csv.reader(lines)
        header = [h.strip().lower() for h in next(reader, [])]
        rows = []
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                rows.append((number, {"__bad__": len(values)}))
            else:
                rows.append((number, dict(zip(header, (v.strip() for v in values), strict=True))))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([_("more than %(n)s rows") % {"n": MAX_ROWS}])
    except csv.Error as exc:
        raise ImportFailed([_("not a valid CSV file: %(error)s") % {"error": exc}])
    return [(0, {"__header__": header})] + rows


def read_xlsx(path: str) -> list[tuple[int, dict]]:
    lines = xlsx_rows(path)
    header = [str(h or "").strip().lower() for h in next(lines, ())]
    rows: list[tuple[int, dict]] = [(0, {"__header__": header})]
    for number, values in enumerate(lines, start=2):
        cells = []
        for v in values:
            if isinstance(v, datetime):
                v = v.date()
            cells.append("" if v is None else (v.isoformat() if isinstance(v, date) else str(v)))
        if any(cells):
            rows.append((number, {h: c.strip() for h, c in zip(header, cells, strict=False) if h}))
        if len(rows) > MAX_ROWS:
            raise ImportFailed([_("more than %(n)s rows") % {"n": MAX_ROWS}])
    return rows


def validate(rows: list[tuple[int, dict]], *, today: date | None = None,
             customers=None) -> list[dict]:
    """Every row checked; raises ImportFailed with all the errors (up to MAX_ERRORS).
    ``customers``: where customers are looked up (an API caller's scope; default all)."""
    customers = Customer.objects.all() if customers is None else customers
    today = today or timezone.localdate()
    header = rows[0][1]["__header__"] if rows and "__header__" in rows[0][1] else []
    body = rows[1:] if header else rows
    errors: list[str] = []
    if header:
        unknown = [h for h in header if h and h not in KNOWN]
        missing = [h for h in ("product", "date", "quantity") if h not in header]
        if "customer" not in header and "customer_ref" not in header:
            missing.insert(0, "customer")
        if unknown:
            errors.append(_("unknown column(s): %(columns)s (known: %(known)s)")
                          % {"columns": ", ".join(unknown), "known": ", ".join(sorted(KNOWN))})
        if missing:
            errors.append(_("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
        if errors:
            raise ImportFailed(errors)
    products = {p.code: p for p in Product.objects.all()}
    ids = {r.get("customer", "") for _n, r in body} - {""}
    refs = {r.get("customer_ref", "") for _n, r in body} - {""}
    by_id = set(customers.filter(pk__in=[int(i) for i in ids if i.isdigit() and len(i) < 18])
                .values_list("pk", flat=True))
    by_ref = dict(customers.filter(external_ref__in=refs).values_list("external_ref", "pk"))
    prepared = []
    for number, row in body:
        if "__bad__" in row:
            errors.append(_("row %(row)s: cannot be read (%(n)s cells, the header has %(m)s)")
                          % {"row": number, "n": row["__bad__"], "m": len(header)})
            continue
        ident, ref = row.get("customer", ""), row.get("customer_ref", "")
        customer_id = (int(ident) if ident.isdigit() and int(ident) in by_id else None) if ident \
            else by_ref.get(ref)
        if customer_id is None:
            errors.append(_("row %(row)s, column %(column)s: unknown customer %(value)r")
                          % {"row": number, "column": "customer" if ident else "customer_ref",
                             "value": ident or ref})
            continue
        product = products.get(row.get("product", "").lower())
        if product is None:
            errors.append(_("row %(row)s, column product: unknown product %(value)r")
                          % {"row": number, "value": row.get("product", "")})
            continue
        try:
            fields = clean_purchase(product=product, day=row.get("date", ""),
                                    quantity=row.get("quantity", ""), amount=row.get("amount"),
                                    today=today)
        except ApplicationError as exc:
            column = exc.details.get("field", "?")
            errors.append(_("row %(row)s, column %(column)s: %(message)s")
                          % {"row": number, "column": column, "message": exc.message})
            continue
        prepared.append({"customer_id": customer_id, **fields})
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ImportFailed(errors)
    return prepared


@transaction.atomic
def write(prepared: list[dict], *, actor=None, source: str = Purchase.Source.IMPORT,
          progress: bool = False) -> ImportResult:
    from tqdm import tqdm

    result = ImportResult()
    bar = tqdm(total=len(prepared), disable=not progress, unit="purchase", desc="import")
    for start in range(0, len(prepared), BATCH):
        chunk = prepared[start:start + BATCH]
        Purchase.objects.bulk_create([Purchase(source=source, created_by=actor, **row) for row in chunk])
        bar.update(len(chunk))
    bar.close()
    counts: dict[int, int] = {}
    for row in prepared:
        counts[row["customer_id"]] = counts.get(row["customer_id"], 0) + 1
    CustomerEvent.objects.bulk_create(
        [CustomerEvent(customer_id=cid, actor=actor, kind="purchases_imported", data={"count": n})
         for cid, n in counts.items()], batch_size=BATCH)
    result.purchases, result.customers = len(prepared), len(counts)
    return result


def import_purchases(path: str, *, encoding: str = "utf-8-sig", fmt: str | None = None,
                     actor=None, progress: bool = False) -> ImportResult:
    fmt = fmt or ("xlsx" if path.lower().endswith(".xlsx") else "csv")
    rows = read_xlsx(path) if fmt == "xlsx" else read_csv(path, encoding)
    return write(validate(rows), actor=actor, progress=progress)


def import_rows(items: list[dict], *, actor, source: str = Purchase.Source.API,
                customers=None) -> ImportResult:
    """The API's batch: a list of row dicts, numbered from 1."""
    rows = [(n, {k: ("" if v is None else str(v)).strip() for k, v in item.items()})
            for n, item in enumerate(items, start=1)]
    unknown = sorted({k for _n, r in rows for k in r} - KNOWN)
    if unknown:
        raise ImportFailed([_("unknown column(s): %(columns)s (known: %(known)s)")
                            % {"columns": ", ".join(unknown), "known": ", ".join(sorted(KNOWN))}])
    return write(validate(rows, customers=customers), actor=actor, source=source)
