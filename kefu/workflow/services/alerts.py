"""Alerts to staff inside kefu (the bell in the console; ``GET /api/v1/alerts``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from kefu.accounts.models import User

from ..models import Alert


def alert_create(*, user: User, kind: str, message: str, ticket=None, **args) -> Alert:
    """``message`` is an English msgid (translated when shown); ``args`` fill its %(name)s."""
    return Alert.objects.create(user=user, kind=kind, ticket=ticket, message=message, args=args,
                                created_at=timezone.now())


def alerts_for(user: User, *, unread_only: bool = False) -> QuerySet[Alert]:
    qs = Alert.objects.filter(user=user).order_by("-created_at", "-id")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def alert_mark_read(*, user: User, alert_ids: list[int] | None = None) -> int:
    """Mark the user's alerts read (all of them when ``alert_ids`` is None); returns how many."""
    qs = Alert.objects.filter(user=user, read_at__isnull=True)
    if alert_ids is not None:
        qs = qs.filter(pk__in=alert_ids)
    return qs.update(read_at=timezone.now())
