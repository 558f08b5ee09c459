"""Readers' writes: "was this helpful?" (one answer per visitor per article per day; a second
answer the same day replaces the first) and view counts (one UPDATE per view)."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import NotFound

from .. import rules
from ..models import Article, ArticleFeedback
from ._common import MAX_COMMENT, clean_text


def visitor_key(*, user=None, browser: str = "") -> str:
    """Who answered, as a hash: the login when signed in, else the browser's random id."""
    if user is not None and getattr(user, "is_authenticated", False):
        raw = f"user:{user.pk}"
    else:
        raw = f"browser:{browser}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _readable(article: Article, user) -> bool:
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return rules.may_read(role=role, audience=article.audience, status=article.status) and (
        article.status == rules.Status.PUBLISHED)


def feedback_submit(*, article: Article, helpful: bool, comment: str = "", visitor: str,
                    user=None) -> tuple[ArticleFeedback, bool]:
    """Record an answer; returns (row, created). The article's counters change with it."""
    if not _readable(article, user):
        raise NotFound(_("Article"), article.pk)
    if not isinstance(helpful, bool):
        from kefu.core.errors import ApplicationError

        raise ApplicationError("invalid_helpful", _("helpful must be true or false."),
                               details={"field": "helpful"})
    comment = clean_text("comment", comment, required=False, limit=MAX_COMMENT,
                         label=_("Comment"))
    now = timezone.now()
    day = timezone.localdate(now)
    user = user if user is not None and user.is_authenticated else None
    for _attempt in range(2):
        try:
            with transaction.atomic():
                existing = (ArticleFeedback.objects.select_for_update()
                            .filter(article=article, visitor=visitor, day=day).first())
                if existing is None:
                    row = ArticleFeedback.objects.create(
                        article=article, helpful=helpful, comment=comment, visitor=visitor,
                        day=day, user=user, created_at=now)
                    _count(article.pk, helpful, +1)
                    return row, True
                if existing.helpful != helpful:
                    _count(article.pk, existing.helpful, -1)
                    _count(article.pk, helpful, +1)
                existing.helpful = helpful
                existing.comment = comment or existing.comment
                existing.created_at = now
                existing.save(update_fields=["helpful", "comment", "created_at"])
                return existing, False
        except IntegrityError:
            continue  # a concurrent first answer won: replace it on the second try
    raise IntegrityError("feedback")  # pragma: no cover


def _count(article_id: int, helpful: bool, step: int) -> None:
    field = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=article_id).update(**{field: F(field) + step})


def article_viewed(article_id: int) -> None:
    """One more view: a single UPDATE, no read, no event."""
    Article.objects.filter(pk=article_id).update(view_count=F("view_count") + 1)
