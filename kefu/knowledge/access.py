"""Loading articles for a user: the only way views and the API get one.

Staff (agents, supervisors, administrators, auditors) read every article, drafts and
internal ones included; everyone else (customers, visitors without an account) reads public,
published articles only. Anything else answers 404, so its existence is not revealed."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.core.errors import NotFound

from . import rules
from .models import Article

ARTICLE_RELATED = ("live_version", "category")


def is_staff(user) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False)
            and user.role in rules.STAFF_ROLES)


def articles_for(user):
    qs = Article.objects.all()
    if is_staff(user):
        return qs
    return qs.filter(status=rules.Status.PUBLISHED, audience=rules.Audience.PUBLIC)


def article_get_for(user, article_id, *, for_update: bool = False) -> Article:
    try:
        article_id = int(article_id)
    except (TypeError, ValueError):
        raise NotFound(_("Article"), article_id)
    qs = articles_for(user).select_related(*ARTICLE_RELATED)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = list(qs.filter(pk=article_id)[:1])
    if not found:
        raise NotFound(_("Article"), article_id)
    return found[0]
