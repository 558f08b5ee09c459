"""Pure rules of the care list (no ORM): which occasions make a task, how urgent each is,
the rank (value × urgency), the suggested action and the script an agent reads out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Thresholds:
    """The care list's policy. Administrators edit it (``CareSettings``, one row); these are
    the defaults. How early a run-out is listed is each product's ``lead_days``."""

    #: churn risk (1 − probability alive) from which a repeat customer is listed
    churn_risk: float = 0.5
    #: a tier with a rank at or below this is a VIP (the fixture's and demo's VIP: 10; the
    #: demo's gold, 20, is not)
    vip_rank: int = 10
    #: days without any contact after which a VIP is listed
    vip_silence_days: int = 60
    #: birthdays and anniversaries are listed this many days ahead; renewals this many
    greeting_days: int = 7
    renewal_days: int = 30
    #: a promised follow-up is listed once it is due within this many days
    follow_up_days: int = 1
    #: a run-out whose band ended more than this many days ago is not listed any more
    run_out_grace_days: int = 14
    #: a "declined" damps the customer's later tasks of that kind this long, by ``damping``
    decline_memory_days: int = 90
    damping: float = 0.3
    #: after this many "not reachable" attempts the task closes
    max_attempts: int = 3


DEFAULTS = Thresholds()

#: The allowed range of each threshold (inclusive).
LIMITS: dict[str, tuple[float, float]] = {
    "churn_risk": (0.05, 0.99), "vip_rank": (0, 1000), "vip_silence_days": (1, 730),
    "greeting_days": (0, 60), "run_out_grace_days": (0, 365), "renewal_days": (0, 365), "follow_up_days": (0, 30),
    "decline_memory_days": (0, 730), "damping": (0.0, 1.0), "max_attempts": (1, 10),
}
FRACTIONS = ("churn_risk", "damping")


class ThresholdError(ValueError):
    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


def check_thresholds(t: Thresholds) -> Thresholds:
    """``t`` if every value is a number of the right kind within LIMITS; else ThresholdError
    naming the first field that is not."""
    for name, (low, high) in LIMITS.items():
        value = getattr(t, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ThresholdError(name)
        if name not in FRACTIONS and not float(value).is_integer():
            raise ThresholdError(name)
        if not math.isfinite(value) or not low <= value <= high:
            raise ThresholdError(name)
    return t


#: The value given to customers without a model value yet (so urgency still ranks them).
MIN_VALUE = 1.0

KIND_ACTION = {"run_out": "deliver", "churn": "call", "follow_up": "call", "birthday": "message",
               "anniversary": "message", "renewal": "call", "vip_silent": "visit"}


@dataclass(frozen=True)
class Occasion:
    kind: str
    key: str
    due: date
    urgency: float
    data: dict


def clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def next_occurrence(anchor: date, today: date) -> date:
    """The next yearly return of ``anchor`` on or after today (29 February → 28th)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = anchor.replace(year=year)
        except ValueError:
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable")


def run_out_occasion(*, product_id: int, low: date, expected: date, high: date, today: date,
                     lead_days: int, cycle: str, product: str, unit: str,
                     limits: Thresholds = DEFAULTS) -> Occasion | None:
    """Listed once the band's early edge is within the product's notice. Urgency 1 when the
    expected date has passed, falling linearly to 0.3 at the edge of the notice. Once the
    band's late edge is more than ``run_out_grace_days`` past, the customer has not run out
    but stopped buying here: that is the churn rule's business, not a delivery."""
    if (low - today).days > lead_days or (today - high).days > limits.run_out_grace_days:
        return None
    days_left = (expected - today).days
    urgency = 1.0 if days_left <= 0 else max(0.3, 1.0 - 0.7 * days_left / (lead_days + 1))
    return Occasion("run_out", f"run_out:{product_id}:{cycle}", max(today, min(low, expected)),
                    urgency, {"product": product, "unit": unit, "date": expected.isoformat(),
                              "low": low.isoformat(), "high": high.isoformat()})


def churn_occasion(*, prob_alive: float | None, frequency: int, last_purchase: date | None,
                   today: date, limits: Thresholds = DEFAULTS) -> Occasion | None:
    """Repeat customers whose probability of still being a customer has fallen."""
    if prob_alive is None or frequency < 1 or last_purchase is None:
        return None
    risk = 1.0 - prob_alive
    if risk < limits.churn_risk - 1e-9:
        return None
    return Occasion("churn", f"churn:{last_purchase.isoformat()}", today, clamp(risk),
                    {"days": (today - last_purchase).days, "risk": round(risk, 2)})


def follow_up_occasion(*, follow_up_id: int, due: date, today: date, purpose: str,
                       ticket_id: int | None, limits: Thresholds = DEFAULTS) -> Occasion | None:
    days = (due - today).days
    if days > limits.follow_up_days:
        return None
    urgency = 1.0 if days < 0 else (0.9 if days == 0 else 0.7)
    return Occasion("follow_up", f"follow_up:{follow_up_id}", due, urgency,
                    {"purpose": purpose[:200], "ticket": ticket_id})


def date_occasion(*, special_id: int, kind: str, anchor: date, today: date,
                  note: str = "", limits: Thresholds = DEFAULTS) -> Occasion | None:
    """Birthdays and anniversaries every year; a renewal on its date."""
    if kind == "renewal":
        when, window = anchor, limits.renewal_days
        if when < today:
            return None
    else:
        when, window = next_occurrence(anchor, today), limits.greeting_days
    days = (when - today).days
    if days > window:
        return None
    urgency = clamp(0.5 + 0.5 * (1 - days / window)) if window else 1.0
    return Occasion(kind, f"{kind}:{special_id}:{when.isoformat()}", when, urgency,
                    {"date": when.isoformat(), "note": note[:200]})


def vip_silent_occasion(*, tier_rank: int, last_contact: date | None, since: date,
                        today: date, limits: Thresholds = DEFAULTS) -> Occasion | None:
    """VIPs nobody has spoken to for ``vip_silence_days`` (counting from ``since`` — when we
    first knew them — if there was never a contact)."""
    if tier_rank > limits.vip_rank:
        return None
    reference = last_contact or since
    days = (today - reference).days
    silence = limits.vip_silence_days
    if days < silence:
        return None
    return Occasion("vip_silent", f"vip_silent:{reference.isoformat()}", today,
                    clamp(0.4 + 0.6 * (days - silence) / silence), {"days": days})


def damped(urgency: float, declined_recently: bool, limits: Thresholds = DEFAULTS) -> float:
    return urgency * limits.damping if declined_recently else urgency


def rank(value: float | None, urgency: float) -> float:
    return round(max(value or 0.0, MIN_VALUE) * urgency, 4)


def script(kind: str, data: dict, *, customer_name: str, language: str) -> str:
    """What to say, in ``language``."""
    with translation.override(language):
        values = {"name": customer_name, **{k: v for k, v in data.items() if v is not None}}
        texts = {
            "run_out": _("Hello %(name)s, by our notes your %(product)s will run out around "
                         "%(date)s. Shall we deliver a refill before then?"),
            "churn": _("Hello %(name)s, we have not seen you for %(days)s days and wanted to "
                       "ask whether everything is all right and if we can help with anything."),
            "follow_up": _("Hello %(name)s, we are calling as promised to check that the matter "
                           "we handled for you is fully settled. Are you satisfied?"),
            "birthday": _("Happy birthday, %(name)s! Thank you for being our customer."),
            "anniversary": _("Dear %(name)s, congratulations on your anniversary on %(date)s "
                             "from all of us."),
            "renewal": _("Hello %(name)s, your contract is due for renewal on %(date)s. May we "
                         "go through the options with you?"),
            "vip_silent": _("Hello %(name)s, it has been %(days)s days since we last spoke. "
                            "We would like to hear how we can serve you better."),
        }
        try:
            return texts[kind] % values
        except (KeyError, TypeError, ValueError):
            return texts.get(kind, "").replace("%(", "(")


def outcome_closes(result: str, attempts: int, limits: Thresholds = DEFAULTS) -> bool:
    """Every outcome closes the task but "not reachable", which closes after ``max_attempts``."""
    return result != "not_reachable" or attempts >= limits.max_attempts
