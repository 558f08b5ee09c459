"""Every write to accounts: users, tokens, sign-in throttling."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError

from .models import ApiToken, Branch, LoginFailure, Role, Team, User

TOKEN_PREFIX = "kefu_"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def user_create(*, username: str, password: str | None, role: str, display_name: str = "",
                email: str = "", language: str = "zh-hans", time_zone: str = "Asia/Shanghai",
                branch: Branch | None = None, teams: list[Team] | None = None) -> User:
    if role not in Role.values:
        raise ApplicationError("invalid_role", _("Unknown role: %(role)s") % {"role": role},
                               details={"allowed": list(Role.values)})
    username = (username or "").strip()
    if not username:
        raise ApplicationError("invalid_username", _("A user name is required."))
    if User.objects.filter(username=username).exists():
        raise ApplicationError("user_exists", _("The user name is already taken."), status=409)
    user = User(username=username, role=role, display_name=display_name, email=email,
                language=language, time_zone=time_zone, branch=branch,
                is_superuser=role == Role.ADMIN, is_staff=role == Role.ADMIN)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if teams:
        user.teams.set(teams)
    return user


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Returns the stored token and the clear text, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12],
                                    digest=token_digest(raw))
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    from kefu.api.auth import forget_token

    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    forget_token(token.digest)


def login_is_locked(username: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
    recent = LoginFailure.objects.filter(username=username.lower(), at__gte=since).count()
    return recent >= settings.LOGIN_MAX_FAILURES


def login_attempt(*, request, username: str, password: str) -> User:
    """Authenticate with throttling: too many recent failures lock the user name."""
    username = (username or "").strip()
    if login_is_locked(username):
        raise ApplicationError(
            "login_locked",
            _("Too many failed sign-ins. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, settings.LOGIN_LOCK_SECONDS // 60)},
            status=429,
        )
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        LoginFailure.objects.create(username=username.lower(),
                                    ip=(request.META.get("REMOTE_ADDR") if request else None))
        raise ApplicationError("login_failed", _("User name or password is wrong."), status=401)
    LoginFailure.objects.filter(username=username.lower()).delete()
    return user


def user_set_language(*, user: User, language: str) -> None:
    if language not in {c for c, _n in settings.LANGUAGES}:
        raise ApplicationError("invalid_language", _("Unsupported language."))
    user.language = language
    user.save(update_fields=["language"])


def purge_old_login_failures() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
    return LoginFailure.objects.filter(at__lt=cutoff).delete()[0]
