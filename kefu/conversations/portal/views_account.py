"""The portal's way in: sign-in (e-mail + password, with the console's throttling), sign-up
confirmed by a one-time link, "e-mail me a link", the language switch. Every answer about
an address is the same whether or not it has an account (docs/portal.md)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.models import Role, User
from kefu.accounts.services import login_attempt, user_set_language
from kefu.core.errors import ApplicationError

from . import forms, services, webform
from .views import (
    LINK_LOGIN_KEY,
    SIGNUP_KEY,
    add_error,
    client_address,
    lang_cookie,
    safe_next,
    staff_redirect,
)


def home(request):
    if request.user.is_authenticated:
        return redirect("console:home" if request.user.role != Role.CUSTOMER else "portal:tickets")
    return redirect("portal:login")


def _username_for(identifier: str) -> str:
    """Customers sign in with their e-mail address: a login named by it, else the login of
    the customer record with that address (logins staff created may have other names)."""
    identifier = (identifier or "").strip()
    if "@" not in identifier:
        return identifier
    email = identifier.lower()
    if User.objects.filter(username=email).exists():
        return email
    account = services.portal_account_for_email(email)
    return account.username if account else email


@require_http_methods(["GET", "POST"])
def login_view(request):
    if sent := staff_redirect(request):
        return sent
    if request.user.is_authenticated and request.method == "GET":
        return redirect("portal:tickets")
    form = forms.LoginForm(request.POST or None)
    error = status = None
    next_url = safe_next(request, reverse("portal:tickets"))
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(request=request, username=_username_for(form.cleaned_data["email"]),
                                 password=form.cleaned_data["password"])
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            if user.role != Role.CUSTOMER:
                error, status = _("This is the customer portal. Staff sign in to the console."), 403
            else:
                login(request, user)
                return lang_cookie(redirect(next_url), user.language)
    elif request.method == "POST":
        status = 400
    return render(request, "portal/login.html", {"form": form, "error": error, "next": next_url,
                                                 "staff_error": status == 403},
                  status=status or 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:login")


def _send_link(request, user: User, purpose: str) -> None:
    """Create and send a one-time link; every refusal is silent (the page says the same
    whatever happened, so it reveals nothing about the address)."""
    try:
        raw = services.login_link_create(user)
    except ApplicationError:
        return
    path = reverse("portal:link_use", args=[raw])
    base = getattr(settings, "PUBLIC_URL", "") or ""
    url = base.rstrip("/") + path if base else request.build_absolute_uri(path)
    services.send_login_link_email(user, url, purpose=purpose)


def _limited(request, scope: str):
    if webform.rate_limit_hit(scope=scope, client=client_address(request),
                              limit=settings.WEB_FORM_LIMIT_PER_HOUR):
        response = render(request, "portal/limited.html", status=429)
        response["Retry-After"] = "3600"
        return response
    return None


@require_http_methods(["GET", "POST"])
def signup_view(request):
    if sent := staff_redirect(request):
        return sent
    initial = {"language": translation.get_language()}
    form = forms.SignupForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if limited := _limited(request, "signup"):
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.portal_signup(email=data["email"], password=data["password"],
                                              name=data["name"], language=data["language"])
            except ApplicationError as exc:
                if exc.code != "account_exists":
                    add_error(form, exc)
                else:
                    # Already has an account: a sign-in link goes to that address, and the
                    # answer (redirect, cookies, session shape) is the same as for a new
                    # sign-up, so the page does not tell whether the address is known.
                    account = services.portal_account_for_email(data["email"].lower())
                    if account is not None:
                        _send_link(request, account, "sign_in")
                    request.session[SIGNUP_KEY] = secrets.token_hex(32)  # never matches
                    return lang_cookie(redirect("portal:link_sent"), data["language"])
            else:
                request.session[SIGNUP_KEY] = services.signup_fingerprint(user)
                _send_link(request, user, "confirm")
                return lang_cookie(redirect("portal:link_sent"), data["language"])
    return render(request, "portal/signup.html", {"form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def link_request_view(request):
    """"E-mail me a sign-in link" (also the way back in after a forgotten password)."""
    if sent := staff_redirect(request):
        return sent
    form = forms.LinkRequestForm(request.POST or None)
    if request.method == "POST":
        if limited := _limited(request, "link"):
            return limited
        if form.is_valid():
            account = services.portal_account_for_email(form.cleaned_data["email"].lower())
            if account is not None:
                _send_link(request, account, "confirm" if services.is_unconfirmed(account)
                           else "sign_in")
            return redirect("portal:link_sent")
    return render(request, "portal/link_request.html", {"form": form},
                  status=400 if form.errors else 200)


def link_sent_view(request):
    return render(request, "portal/link_sent.html", {"minutes": services.LINK_MINUTES})


@require_http_methods(["GET", "POST"])
def link_use_view(request, token):
    """GET only shows a button: mail scanners that open links must not spend them."""
    if request.method == "GET":
        return render(request, "portal/link_confirm.html", {"token": token})
    try:
        user = services.login_link_use(token, fingerprint=request.session.get(SIGNUP_KEY, ""))
    except ApplicationError as exc:
        return render(request, "portal/link_invalid.html", {"error": exc.message}, status=400)
    if request.user.is_authenticated:
        logout(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[LINK_LOGIN_KEY] = timezone.now().timestamp()
    response = redirect("portal:tickets")
    if not user.has_usable_password():
        messages.info(request, _("You are signed in. Choose a password so that you can also "
                                 "sign in without a link."))
        response = redirect(reverse("portal:profile") + "#password")
    return lang_cookie(response, user.language)


@require_POST
def language_view(request):
    language = request.POST.get("language", "")
    if language not in {code for code, _n in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated and request.user.role == Role.CUSTOMER:
        user_set_language(user=request.user, language=language)
    back = safe_next(request, reverse("portal:home"))
    return lang_cookie(redirect(back), language)
