"""Number formatting for the dashboard tables: ``num`` (fixed decimals, "—" for none) and
``ci`` (an interval "[lo, hi]")."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def num(value, digits=2):
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value):.{int(digits)}f}"
    except (TypeError, ValueError):
        return "—"


@register.filter
def ci(value, digits=2):
    if not value:
        return "—"
    lo, hi = value
    return f"[{num(lo, digits)}, {num(hi, digits)}]"
