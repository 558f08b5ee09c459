"""Every write of the closed-loop and impact settings: the impact assumptions, the public
supervision page, weekly report subscriptions. Each checks its input first (nothing changes
on a refusal), runs in a transaction and writes a ``QualityEvent`` audit row in it."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import is_global_reader, user_teams
from kefu.accounts.models import Branch, Role, Team, User
from kefu.core.errors import ApplicationError, Conflict, PermissionDenied

from . import impact
from .models import ImpactAssumptions, PublicPage, QualityEvent, ReportSubscription

MANAGER_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
ASSUMPTION_FIELDS = ("tell", "loud_share", "loud_tell", "complain_share", "silent_leave_share",
                     "repair", "acquisition_multiple")


def _audit(kind: str, actor: User | None, **data) -> None:
    QualityEvent.objects.create(kind=kind, actor=actor, data=data, created_at=timezone.now())


def require_admin(actor: User) -> None:
    if actor is None or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may change these settings."))


def _bad(field: str, message: str) -> ApplicationError:
    return ApplicationError(f"invalid_{field}", message, details={"field": field})


def _label(field: str) -> str:
    """An assumption's name as the screens show it."""
    try:
        return str(ImpactAssumptions._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown name is shown as it was sent
        return field


# --- impact assumptions ---------------------------------------------------------------------

def assumptions_current() -> ImpactAssumptions:
    row = ImpactAssumptions.objects.filter(pk=1).first()
    if row is None:
        row, _created = ImpactAssumptions.objects.get_or_create(pk=1)
    return row


def _number(field: str, raw) -> float:
    if isinstance(raw, bool):
        raise _bad(field, _("%(field)s must be a number.") % {"field": _label(field)})
    if isinstance(raw, str):
        raw = raw.strip()
        if len(raw) > 30:
            raise _bad(field, _("%(field)s must be a number.") % {"field": _label(field)})
        try:
            raw = float(raw)
        except ValueError:
            raise _bad(field, _("%(field)s must be a number.") % {"field": _label(field)})
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _bad(field, _("%(field)s must be a number.") % {"field": _label(field)})
    return float(raw)


def _money(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 <= value < Decimal(10) ** 10:
        raise _bad("keep_cost", _("The cost of keeping a customer must be an amount from 0 "
                                  "up, or empty."))
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def assumptions_save(*, actor: User, values: dict) -> ImpactAssumptions:
    """Change the assumptions given in ``values`` (the others stay); shares are 0…1."""
    require_admin(actor)
    if not isinstance(values, dict):
        raise ApplicationError("invalid_assumptions", _("Send the assumptions as an object."))
    unknown = sorted(set(values) - set(ASSUMPTION_FIELDS) - {"keep_cost", "currency"})
    if unknown:
        raise _bad(unknown[0], _("Unknown assumption: %(field)s") % {"field": unknown[0]})
    row = ImpactAssumptions.objects.select_for_update().filter(pk=1).first() or \
        assumptions_current()
    changes = {}
    for name in ASSUMPTION_FIELDS:
        if name in values:
            changes[name] = _number(name, values[name])
    if "keep_cost" in values:
        changes["keep_cost"] = _money(values["keep_cost"])
    if "currency" in values:
        currency = values["currency"]
        if not isinstance(currency, str) or not (len(currency) == 3 and currency.isalpha()
                                                 and currency.isascii()):
            raise _bad("currency", _("The currency is a three-letter code such as CNY."))
        changes["currency"] = currency.upper()
    for name, value in changes.items():
        setattr(row, name, value)
    try:
        impact.check(row.assumptions())
    except impact.AssumptionError as exc:
        low, high = impact.LIMITS.get(exc.field, (0, 0))
        raise _bad(exc.field, _("%(field)s must lie between %(low)s and %(high)s.") % {
            "field": _label(exc.field), "low": impact.number(low), "high": impact.number(high)})
    row.updated_at = timezone.now()
    row.updated_by = actor
    row.save()
    _audit("assumptions_changed", actor, **{k: (str(v) if isinstance(v, Decimal) else v)
                                           for k, v in changes.items()})
    return row


# --- the public page ------------------------------------------------------------------------

def public_page_current() -> PublicPage:
    row = PublicPage.objects.filter(pk=1).first()
    if row is None:
        row, _created = PublicPage.objects.get_or_create(pk=1)
    return row


@transaction.atomic
def public_page_save(*, actor: User, page: PublicPage) -> PublicPage:
    require_admin(actor)
    page.pk = 1
    for field, low, high in (("months", 1, 24), ("min_n", 1, 10000), ("cache_seconds", 0, 3600)):
        value = getattr(page, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad(field, _("%(field)s must be a whole number from %(low)d to %(high)d.")
                       % {"field": field, "low": low, "high": high})
    if not isinstance(page.enabled, bool):
        raise _bad("enabled", _("enabled must be true or false."))
    for field in ("title", "title_en"):
        text = getattr(page, field) or ""
        if not isinstance(text, str) or len(text) > 120 or "\x00" in text:
            raise _bad(field, _("The title is at most 120 characters."))
        setattr(page, field, text.strip())
    page.updated_at = timezone.now()
    page.updated_by = actor
    page.save()
    _audit("public_page_changed", actor, enabled=page.enabled, months=page.months,
           min_n=page.min_n, cache_seconds=page.cache_seconds)
    from .public import forget_cached

    forget_cached()  # now, and again at commit: no reader in between keeps the old page
    transaction.on_commit(forget_cached)
    return page


# --- weekly report subscriptions ------------------------------------------------------------

def may_cover(user: User, scope: str, branch: Branch | None, team: Team | None) -> bool:
    """Whether ``user`` may receive figures of that scope (what their dashboards show)."""
    if user.role not in MANAGER_ROLES or not user.is_active:
        return False
    if is_global_reader(user):
        return True
    if user.role != Role.SUPERVISOR or scope == ReportSubscription.Scope.ALL:
        return False
    if scope == ReportSubscription.Scope.BRANCH:
        return branch is not None and branch.pk == user.branch_id
    return team is not None and (team.branch_id == user.branch_id
                                 or team.pk in {t.pk for t in user_teams(user)})


@transaction.atomic
def subscription_save(*, actor: User, user: User, scope: str, branch: Branch | None = None,
                      team: Team | None = None, language: str = "zh-hans",
                      active: bool = True) -> ReportSubscription:
    """Subscribe ``user`` (oneself, or anyone for an administrator) to a weekly report."""
    if actor.pk != user.pk:
        require_admin(actor)
    if scope not in ReportSubscription.Scope.values:
        raise _bad("scope", _("The report covers everything, a branch or a team."))
    if language not in ("zh-hans", "en"):
        raise _bad("language", _("The report is written in zh-hans or en."))
    if not isinstance(active, bool):
        raise _bad("active", _("active must be true or false."))
    branch = branch if scope == ReportSubscription.Scope.BRANCH else None
    team = team if scope == ReportSubscription.Scope.TEAM else None
    if (scope == ReportSubscription.Scope.BRANCH and branch is None) or (
            scope == ReportSubscription.Scope.TEAM and team is None):
        raise _bad(scope, _("Choose the %(scope)s the report covers.") % {"scope": scope})
    if not may_cover(user, scope, branch, team):
        raise PermissionDenied(_("%(user)s may not receive figures of that scope.") % {
            "user": user.username})
    existing = ReportSubscription.objects.filter(user=user, scope=scope, branch=branch,
                                                 team=team).first()
    row = existing or ReportSubscription(user=user, scope=scope, branch=branch, team=team,
                                         created_at=timezone.now())
    row.language, row.active = language, active
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict("subscription_exists", _("That subscription already exists."))
    _audit("subscription_saved", actor, subscription=row.pk, user=user.pk, scope=scope,
           branch=branch.pk if branch else None, team=team.pk if team else None,
           language=language, active=active)
    return row
