"""Helpers of the knowledge services: input checks, roles, the audit row."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError, PermissionDenied

from .. import rules
from ..models import ArticleEvent

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_KEYWORDS = 300
MAX_NOTE = 300
MAX_BODY = 100_000
MAX_COMMENT = 2000


def clean_text(field: str, value, *, required: bool, limit: int, label: str | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError("invalid_text", _("%(field)s must be text.")
                               % {"field": label or field}, details={"field": field})
    value = value.strip()
    if required and not value:
        raise ApplicationError("required", _("%(field)s is required.") % {"field": label or field},
                               details={"field": field})
    if len(value) > limit:
        raise ApplicationError("too_long", _("%(field)s is longer than %(limit)d characters.")
                               % {"field": label or field, "limit": limit},
                               details={"field": field, "limit": limit})
    if "\x00" in value:
        raise ApplicationError("invalid_text", _("%(field)s contains a NUL character.")
                               % {"field": label or field}, details={"field": field})
    return value


def check_choice(field: str, value, allowed) -> str:
    allowed = [str(a) for a in allowed]
    if value not in allowed:
        raise ApplicationError(f"invalid_{field}", _("%(field)s must be one of: %(allowed)s")
                               % {"field": field, "allowed": ", ".join(allowed)},
                               details={"field": field, "allowed": allowed})
    return value


def require_editor(actor) -> None:
    if actor is None or not rules.is_editor(actor.role):
        raise PermissionDenied(_("Only editors (supervisors and administrators) may do this."))


def require_proposer(actor) -> None:
    if actor is None or not rules.may_propose(actor.role):
        raise PermissionDenied(_("You may not write articles."))


def event(article, actor, kind: str, at, *, version=None, **data) -> ArticleEvent:
    return ArticleEvent.objects.create(article=article, version=version, actor=actor, kind=kind,
                                       data=data, created_at=at)
