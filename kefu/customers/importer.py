"""Import customers from CSV: validate every row first, then write all rows in one
transaction (a bad file changes nothing). Rows with a known ``external_ref`` update."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from django.db import transaction

from kefu.accounts.models import Branch
from kefu.core.importing import ImportFailed, opened_csv

from .models import Customer, CustomerEvent, Tag, Tier
from .services import clean_customer_fields, default_tier

COLUMNS = ["name", "name_en", "email", "phone", "wechat_id", "address", "language", "tier",
           "branch", "tags", "external_ref", "consent_email", "consent_sms", "consent_phone",
           "consent_marketing"]
TRUE = {"1", "true", "yes", "y", "是", "t"}
FALSE = {"0", "false", "no", "n", "否", "f", ""}
MAX_ROWS = 1_000_000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _read(path: str, encoding: str) -> tuple[list[str], list[dict]]:
    with opened_csv(path, encoding) as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = []
        for row in reader:
            rows.append({(k or "").strip(): v for k, v in row.items()})
            if len(rows) > MAX_ROWS:
                raise ImportFailed([f"more than {MAX_ROWS} rows"])
        return header, rows


def import_customers_csv(path: str, *, encoding: str = "utf-8-sig",
                         progress: bool = False) -> ImportResult:
    header, rows = _read(path, encoding)
    if "name" not in header:
        raise ImportFailed(["the header has no 'name' column "
                            f"(known columns: {', '.join(COLUMNS)})"])
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise ImportFailed([f"unknown column(s): {', '.join(unknown)}"])
    tiers = {t.code: t for t in Tier.objects.all()}
    branches = {b.code: b for b in Branch.objects.all()}
    fallback_tier = default_tier()
    errors: list[str] = []
    prepared = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        row = {k: ("" if v is None else v) for k, v in row.items() if k}
        data = {k: row[k] for k in COLUMNS if k in row and k not in ("tier", "branch", "tags")
                and not k.startswith("consent_")}
        for key in ("consent_email", "consent_sms", "consent_phone", "consent_marketing"):
            if key in row:
                value = row[key].strip().lower()
                if value not in TRUE | FALSE:
                    errors.append(f"row {number}, column {key}: expected yes/no, got {row[key]!r}")
                    continue
                data[key] = value in TRUE
        try:
            from kefu.core.errors import ApplicationError

            cleaned = clean_customer_fields({"name": row.get("name", ""), **data})
        except ApplicationError as exc:
            column = exc.details.get("field", "?") if isinstance(exc.details, dict) else "?"
            errors.append(f"row {number}, column {column}: {exc.message} ({row.get(column, '')!r})")
            continue
        tier_code = (row.get("tier") or "").strip()
        if tier_code and tier_code not in tiers:
            errors.append(f"row {number}, column tier: unknown tier {tier_code!r} "
                          f"(known: {', '.join(sorted(tiers))})")
            continue
        branch_code = (row.get("branch") or "").strip()
        if branch_code and branch_code not in branches:
            errors.append(f"row {number}, column branch: unknown branch {branch_code!r}")
            continue
        tags = [t.strip() for t in (row.get("tags") or "").replace("|", ";").split(";") if t.strip()]
        if any(len(t) > 60 for t in tags):
            errors.append(f"row {number}, column tags: a tag is longer than 60 characters")
            continue
        prepared.append((cleaned, tiers.get(tier_code, fallback_tier), branches.get(branch_code), tags))
    if errors:
        raise ImportFailed(errors)
    return _write(prepared, progress=progress)


@transaction.atomic
def _write(prepared, *, progress: bool) -> ImportResult:
    from tqdm import tqdm

    result = ImportResult()
    refs = [p[0].get("external_ref") for p in prepared if p[0].get("external_ref")]
    existing = {c.external_ref: c for c in Customer.objects.filter(external_ref__in=refs)} if refs else {}
    tag_cache = {t.name: t for t in Tag.objects.all()}
    for cleaned, tier, branch, tags in tqdm(prepared, disable=not progress, unit="customer",
                                            desc="import"):
        customer = existing.get(cleaned.get("external_ref") or "\0")
        if customer is None:
            customer = Customer.objects.create(tier=tier, branch=branch, **cleaned)
            CustomerEvent.objects.create(customer=customer, kind="imported")
            result.created += 1
        else:
            for key, value in cleaned.items():
                setattr(customer, key, value)
            customer.tier, customer.branch = tier, branch or customer.branch
            customer.save()
            result.updated += 1
        if tags:
            objs = []
            for name in tags:
                if name not in tag_cache:
                    tag_cache[name] = Tag.objects.get_or_create(name=name)[0]
                objs.append(tag_cache[name])
            customer.tags.add(*objs)
    return result
