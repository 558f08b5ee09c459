"""Timeline sentences for the proactive event kinds on a customer's timeline (purchases,
consumption readings, containers, special dates, the opt-out, care outcomes). The console's
``event_text`` tag asks here for kinds it does not know itself; ``None``: not ours."""

from __future__ import annotations

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _


def _product(data: dict) -> str:
    """The product's name as it was when the event was written, in the reader's language."""
    english = (get_language() or "").startswith("en")
    return (data.get("product_name_en") if english else data.get("product_name")) \
        or data.get("product_name") or data.get("product") or "?"


def _unit(data: dict) -> str:
    from .models import Unit

    return dict(Unit.choices).get(data.get("unit"), data.get("unit") or "")


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def _purchase(data, names):
    return _("bought %(quantity)s %(unit)s of %(product)s on %(date)s") % {
        "quantity": data.get("quantity", ""), "unit": _unit(data), "product": _product(data),
        "date": data.get("date", "")}


def _purchases_imported(data, names):
    count = int(data.get("count") or 0)
    return ngettext("%(count)d purchase imported", "%(count)d purchases imported", count) % {
        "count": count}


def _consumption(data, names):
    if data.get("kind") == "used":
        return _("used %(quantity)s of %(product)s (noted on %(date)s)") % {
            "quantity": data.get("quantity", ""), "product": _product(data),
            "date": data.get("date", "")}
    return _("had %(quantity)s of %(product)s left (measured on %(date)s)") % {
        "quantity": data.get("quantity", ""), "product": _product(data),
        "date": data.get("date", "")}


def _container(data, names):
    return (_("keeps %(product)s in a container of %(capacity)s %(unit)s") % {
        "product": _product(data), "capacity": data.get("capacity", ""),
        "unit": _unit(data)}).strip()


def _container_removed(data, names):
    return _("removed the container for %(product)s") % {"product": _product(data)}


def _special_date(data, names):
    from .models import SpecialDate

    return _("noted a special date: %(kind)s, %(date)s") % {
        "kind": _choice(SpecialDate.Kind.choices, data.get("kind")), "date": data.get("date", "")}


def _special_date_removed(data, names):
    from .models import SpecialDate

    return _("removed a special date: %(kind)s, %(date)s") % {
        "kind": _choice(SpecialDate.Kind.choices, data.get("kind")), "date": data.get("date", "")}


def _opt_out(data, names):
    if data.get("reason"):
        return _("asked for no proactive contact: %(reason)s") % {"reason": data["reason"]}
    return _("asked for no proactive contact")


def _opt_in(data, names):
    return _("allowed proactive contact again")


def _care_outcome(data, names):
    from .models import CareOutcome, CareTask

    return _("care contact (%(kind)s): %(result)s") % {
        "kind": _choice(CareTask.Kind.choices, data.get("care_kind")),
        "result": _choice(CareOutcome.Result.choices, data.get("result"))}


TEXTS = {
    "purchase": _purchase,
    "purchases_imported": _purchases_imported,
    "consumption": _consumption,
    "container": _container,
    "container_removed": _container_removed,
    "special_date": _special_date,
    "special_date_removed": _special_date_removed,
    "proactive_opt_out": _opt_out,
    "proactive_opt_in": _opt_in,
    "care_outcome": _care_outcome,
}


def proactive_event_text(kind: str, data: dict, names: dict) -> str | None:
    text = TEXTS.get(kind)
    return text(data or {}, names or {}) if text else None
