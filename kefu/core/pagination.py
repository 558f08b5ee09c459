"""Keyset (cursor) pagination: stable under inserts, constant cost at any depth.

A cursor is the sort value and id of the last row served, base64url-encoded JSON. Bad
cursors are an ApplicationError, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .errors import ApplicationError

MAX_LIMIT = 100


def encode_cursor(value, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_ID = 2**63 - 1


def valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def decode_cursor(cursor: str, *, kind: str) -> tuple:
    """``kind`` is "datetime", "int" or "str": the type of the sort field."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not valid_id(pk):
            raise ValueError
        if kind == "datetime":
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
            value = value.astimezone(UTC)  # overflows here, not in the database, when absurd
        elif kind == "int":
            if not valid_id(value):
                raise ValueError
        elif not isinstance(value, str):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError,
            json.JSONDecodeError):
        raise ApplicationError("invalid_cursor", _("The page cursor is not valid."),
                               details={"field": "cursor"})


def check_limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ApplicationError("invalid_limit", _("limit must be between 1 and %(max)d.")
                               % {"max": MAX_LIMIT}, details={"field": "limit"})
    return limit


def _cursor_kind(qs: QuerySet, field: str) -> str:
    internal = qs.model._meta.get_field(field).get_internal_type()
    return ("datetime" if internal == "DateTimeField"
            else "int" if internal in ("AutoField", "BigAutoField", "IntegerField",
                                       "BigIntegerField", "PositiveIntegerField")
            else "str")


def _after(qs: QuerySet, field: str, descending: bool, cursor: str | None) -> QuerySet:
    if not cursor:
        return qs
    value, pk = decode_cursor(cursor, kind=_cursor_kind(qs, field))
    op = "lt" if descending else "gt"
    return qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk}))


def keyset_page_of_parts(qs: QuerySet, parts: list[Q] | None, *, field: str, descending: bool,
                         cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Like ``keyset_page`` over ``qs`` filtered by the OR of ``parts``, but run as one ordered,
    limited query per part and merged here: each part can walk its own index in order,
    where a single OR query would have to collect and sort every match first."""
    if parts is None or len(parts) == 1:
        return keyset_page(qs if parts is None else qs.filter(parts[0]), field=field,
                           descending=descending, cursor=cursor, limit=limit)
    limit = check_limit(limit)
    sign = "-" if descending else ""
    base = _after(qs, field, descending, cursor).order_by(f"{sign}{field}", f"{sign}pk")
    wanted = sorted(_union_of_parts_keys(base, parts, field, limit + 1),
                    reverse=descending)[: limit + 1]
    by_pk = {row.pk: row for row in qs.filter(pk__in=[pk for _value, pk in wanted])}
    rows = [by_pk[pk] for _value, pk in wanted if pk in by_pk]
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        return rows, encode_cursor(getattr(last, field), last.pk)
    return rows, None


def _union_of_parts_keys(base: QuerySet, parts: list[Q], field: str, limit: int) -> set[tuple]:
    """The first ``limit`` (sort value, id) keys of each part, from one round trip:
    ``SELECT * FROM (part 1 ORDER BY … LIMIT n) UNION ALL SELECT * FROM (part 2 …) …``.
    Only keys: cheap rows, each part walking its own index. The values come back as the
    driver gives them (SQLite: ISO text, which sorts like the datetimes it stores)."""
    sqls, params = [], []
    for i, part in enumerate(parts):
        sql, part_params = base.filter(part).values_list(field, "pk")[:limit].query.sql_with_params()
        sqls.append(f"SELECT * FROM ({sql}) AS part{i}")
        params.extend(part_params)
    with connections[base.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sqls), params)
        return {tuple(row) for row in cursor.fetchall()}


def keyset_page(qs: QuerySet, *, field: str, descending: bool, cursor: str | None,
                limit: int) -> tuple[list, str | None]:
    """One page of ``qs`` ordered by (field, id); returns the rows and the next cursor."""
    limit = check_limit(limit)
    qs = _after(qs, field, descending, cursor)
    sign = "-" if descending else ""
    rows = list(qs.order_by(f"{sign}{field}", f"{sign}pk")[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        return rows, encode_cursor(getattr(last, field), last.pk)
    return rows, None
