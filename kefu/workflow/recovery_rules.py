"""Service recovery (服务补救) and empowerment limits (员工授权): pure rules, no ORM.

The services load ``EmpowermentLimit`` rows, turn them into ``LimitRow`` tuples and ask here:

- ``applicable_limit``: which row applies to a role, a customer tier, a kind of action and a
  currency. Only rows of that role and that currency match; among them the most specific
  wins: tier and kind > tier only > kind only > role only. No matching row: no limit row,
  which means a limit of 0 (everything above 0 needs approval).
- ``within_limit``: an amount of 0 is always within (an apology visit, a free gesture
  costs nothing to approve); otherwise ``amount <= limit`` — exactly the limit is within.
- ``parse_amount`` / ``parse_currency``: the only accepted forms of money input.
- ``covered_cells``: the same rules turned inside out for the approval queue, so that the
  database can filter "pending actions this person may approve" without reading them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

KINDS = ("refund", "voucher", "gift", "free_service", "apology_visit")
#: The largest amount anyone may ask for; bigger figures are typing mistakes, not gestures.
MAX_AMOUNT = Decimal("1000000")
DEFAULT_CURRENCY = "CNY"
ZERO = Decimal("0")

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT_TEXT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")


class InvalidMoney(ValueError):
    """Bad money input; ``code`` is the stable error code the service reports."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class LimitRow:
    """One empowerment limit: ``kind`` "" means every kind, ``tier_id`` None every tier."""

    role: str
    kind: str
    tier_id: int | None
    currency: str
    max_amount: Decimal


def specificity(row: LimitRow) -> int:
    """3 tier and kind, 2 tier only, 1 kind only, 0 the role's general limit."""
    return (2 if row.tier_id is not None else 0) + (1 if row.kind else 0)


def applicable_limit(rows: Iterable[LimitRow], *, role: str, tier_id: int | None, kind: str,
                     currency: str) -> LimitRow | None:
    """The most specific row for this role, tier, kind and currency; None when none matches."""
    best: LimitRow | None = None
    for row in rows:
        if row.role != role or row.currency != currency:
            continue
        if row.kind not in ("", kind) or row.tier_id not in (None, tier_id):
            continue
        if best is None or specificity(row) > specificity(best):
            best = row
    return best


def limit_amount(rows: Iterable[LimitRow], *, role: str, tier_id: int | None, kind: str,
                 currency: str) -> Decimal:
    """The most this role may grant here without approval (0 when no row matches)."""
    row = applicable_limit(rows, role=role, tier_id=tier_id, kind=kind, currency=currency)
    return row.max_amount if row is not None else ZERO


def within_limit(amount: Decimal, limit: Decimal) -> bool:
    """0 is always within; otherwise up to and including the limit."""
    return amount == ZERO or amount <= limit


def may_grant(rows: Iterable[LimitRow], *, role: str, tier_id: int | None, kind: str,
              currency: str, amount: Decimal) -> bool:
    return within_limit(amount, limit_amount(rows, role=role, tier_id=tier_id, kind=kind,
                                             currency=currency))


# --- input --------------------------------------------------------------------------------


def parse_amount(value: object) -> Decimal:
    """A money amount: a Decimal, an int, a float or a decimal string ("120", "99.50").

    Refused: booleans, NaN and infinities, negatives, more than two decimals, exponents and
    signs in text, anything above ``MAX_AMOUNT``. The result has exactly two decimals.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidMoney("invalid_amount", "amount must be a number")
    if isinstance(value, str):
        text = value.strip()
        if not _AMOUNT_TEXT.match(text):
            raise InvalidMoney("invalid_amount",
                               "amount must be a decimal number like 120 or 99.50")
        amount = Decimal(text)
    elif isinstance(value, float):
        # repr() is the shortest text that reads back as the same float: 0.1 -> "0.1".
        try:
            amount = Decimal(repr(value))
        except InvalidOperation:
            raise InvalidMoney("invalid_amount", "amount must be a number")
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        raise InvalidMoney("invalid_amount", "amount must be a number")
    if not amount.is_finite():
        raise InvalidMoney("invalid_amount", "amount must be a finite number")
    if amount < ZERO:
        raise InvalidMoney("negative_amount", "amount cannot be negative")
    if amount > MAX_AMOUNT:
        raise InvalidMoney("amount_too_large", "amount is above the maximum")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidMoney("too_many_decimals", "amount has more than two decimals")
    return amount.quantize(Decimal("0.01"))


def parse_currency(value: object) -> str:
    """An ISO 4217 code: three upper-case letters (CNY, USD, HKD…)."""
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise InvalidMoney("invalid_currency",
                           "currency must be an ISO 4217 code of three capital letters")
    return value


# --- the approval queue -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """Pending actions of ``kind`` in ``currency`` for customers of ``tier_id`` (None: of any
    tier not in ``other_than``) that a role may approve: those up to ``max_amount``."""

    kind: str
    currency: str
    tier_id: int | None
    other_than: frozenset[int]
    max_amount: Decimal


def covered_cells(rows: Sequence[LimitRow], *, role: str,
                  kinds: Sequence[str] = KINDS) -> list[Cell]:
    """Every (kind, currency, tier) combination where ``role`` has a limit above 0.

    Tiers named by the role's rows get a cell each; every other tier shares one cell (the
    tier-less rows apply to them). Currencies without a row have no cell: a limit of 0
    there, and amounts of 0 are never waiting (they are granted at once).
    """
    mine = [row for row in rows if row.role == role]
    tiers = frozenset(row.tier_id for row in mine if row.tier_id is not None)
    cells = []
    for currency in sorted({row.currency for row in mine}):
        for kind in kinds:
            for tier_id in (*sorted(tiers), None):
                limit = limit_amount(mine, role=role, tier_id=tier_id, kind=kind,
                                     currency=currency)
                if limit > ZERO:
                    cells.append(Cell(kind=kind, currency=currency, tier_id=tier_id,
                                      other_than=tiers if tier_id is None else frozenset(),
                                      max_amount=limit))
    return cells
