"""The customer portal's pages and the embeddable web form.

Customers see only their own, non-internal tickets (``tickets_for`` / ``ticket_get_for``)
and only the public timeline (``ticket_timeline``); anything else answers 404. Staff who
open the portal are sent to the console: the portal never acts for them. Signing in and
signing up are in ``views_account.py``.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.models import Role
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.middleware import LANGUAGE_COOKIE
from kefu.core.pagination import keyset_page
from kefu.customers.models import Customer
from kefu.tickets import rules, selectors
from kefu.tickets.access import ticket_get_for, tickets_for
from kefu.tickets.models import CHANNEL_CHOICES, TYPE_CHOICES, Attachment

from . import forms, services, services_tickets, webform

CHANNELS = dict(CHANNEL_CHOICES)
TYPES = dict(TYPE_CHOICES)

#: Session keys: the browser that signed up (see services.signup_fingerprint) and when a
#: one-time link opened the session (a new password may then be set without the old one).
SIGNUP_KEY = "portal_signup"
LINK_LOGIN_KEY = "portal_link_login_at"
LINK_PASSWORD_MINUTES = 30
PAGE_SIZE = 20
LIST_FIELDS = ("subject", "status", "type", "created_at", "updated_at", "customer_id")


def status_label(status: str) -> str:
    """Statuses in the customer's words (staff-side distinctions stay inside)."""
    return {
        rules.Status.NEW: _("Received"),
        rules.Status.OPEN: _("In progress"),
        rules.Status.PENDING_CUSTOMER: _("Waiting for your answer"),
        rules.Status.PENDING_INTERNAL: _("In progress"),
        rules.Status.RESOLVED: _("Solved: please confirm"),
        rules.Status.CLOSED: _("Closed"),
    }.get(status, status)


def event_text(kind: str, data: dict) -> str:
    """The customer's line for one of the events ``ticket_timeline`` shows them."""
    if kind == "created":
        return _("Request received (%(channel)s)") % {
            "channel": CHANNELS.get(data.get("channel"), data.get("channel") or "")}
    if kind == "status":
        if data.get("reopened"):
            return _("Reopened")
        return _("Status: %(new)s") % {"new": status_label(data.get("new"))}
    if kind == "merged_from":
        return _("Request #%(id)s was joined to this one") % {"id": data.get("source")}
    return ""


def lang_cookie(response, language: str):
    response.set_cookie(LANGUAGE_COOKIE, language, samesite="Lax", max_age=365 * 86400)
    return response


def client_address(request) -> str:
    # REMOTE_ADDR: behind a reverse proxy every visitor shares the proxy's address (see
    # docs/portal.md); kefu does not trust X-Forwarded-For, which any client can forge.
    return request.META.get("REMOTE_ADDR") or "unknown"


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return default


def customer_required(view):
    """Signed-in customers only; staff go to the console, visitors to the sign-in page.
    The customer record is read fresh (``request.customer``); NotFound becomes a 404 page."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        if user.role != Role.CUSTOMER:
            return redirect("console:home")
        request.customer = Customer.objects.filter(user=user).first()
        if request.customer is None:
            return render(request, "portal/no_customer.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return render(request, "portal/not_found.html", status=404)
    return wrapper


def staff_redirect(request):
    if request.user.is_authenticated and request.user.role != Role.CUSTOMER:
        return redirect("console:home")
    return None


# --- tickets ----------------------------------------------------------------------------

@customer_required
def tickets_view(request):
    try:
        rows, next_cursor = keyset_page(tickets_for(request.user).only(*LIST_FIELDS),
                                        field="updated_at", descending=True,
                                        cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except ApplicationError:
        return redirect("portal:tickets")
    for row in rows:
        row.status_label = status_label(row.status)
    return render(request, "portal/tickets.html", {"rows": rows, "next_cursor": next_cursor})


def add_error(form, exc: ApplicationError) -> None:
    """A service's refusal on the form: on the field it names, else for the whole form."""
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in form.fields else None, exc.message)


@customer_required
@require_http_methods(["GET", "POST"])
def ticket_new_view(request):
    form = forms.TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services_tickets.portal_ticket_create(
                user=request.user, subject=data["subject"], description=data["description"],
                type=data["type"], uploads=data["files"])
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Thank you. Your request #%(id)s has been received.")
                             % {"id": ticket.pk})
            return redirect("portal:ticket", ticket_id=ticket.pk)
    return render(request, "portal/ticket_new.html", {"form": form},
                  status=400 if form.errors else 200)


def _public_attachments(ticket):
    """Attachments a customer may download: not internal, not on an internal note."""
    return Attachment.objects.filter(ticket=ticket, internal=False).filter(
        Q(message__isnull=True) | Q(message__visibility="public"))


def _ticket_page(request, ticket, *, reply_form=None, reopen_form=None, status=200):
    timeline = []
    for item in selectors.ticket_timeline(ticket, request.user):
        if item.event is not None:
            item.text = event_text(item.event.kind, selectors.customer_event_data(item.event))
            if not item.text:
                continue
        timeline.append(item)
    ticket.status_label = status_label(ticket.status)
    ticket.type_label = TYPES.get(ticket.type, ticket.type)
    return render(request, "portal/ticket.html", {
        "ticket": ticket, "timeline": timeline,
        "reply_form": reply_form or forms.ReplyForm(),
        "reopen_form": reopen_form or forms.ReopenForm(),
        "can_reply": ticket.status != rules.Status.CLOSED,
        "resolved": ticket.status == rules.Status.RESOLVED,
        "is_complaint": ticket.type == rules.Type.COMPLAINT,
    }, status=status)


@customer_required
def ticket_view(request, ticket_id):
    return _ticket_page(request, ticket_get_for(request.user, ticket_id))


@customer_required
@require_POST
def ticket_reply_view(request, ticket_id):
    ticket = ticket_get_for(request.user, ticket_id)
    form = forms.ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services_tickets.portal_ticket_reply(user=request.user, ticket=ticket,
                                                 body=form.cleaned_data["body"],
                                                 uploads=form.cleaned_data["files"])
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Reply sent."))
            return redirect("portal:ticket", ticket_id=ticket.pk)
    ticket = ticket_get_for(request.user, ticket_id)
    return _ticket_page(request, ticket, reply_form=form, status=400)


@customer_required
@require_POST
def ticket_confirm_view(request, ticket_id):
    ticket = ticket_get_for(request.user, ticket_id)
    try:
        outcome = services_tickets.portal_resolution_confirm(user=request.user, ticket=ticket)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for confirming. The request is closed.")
                         if outcome == "closed" else
                         _("Thank you for confirming. We will follow up with you before we "
                           "close the request."))
    return redirect("portal:ticket", ticket_id=ticket.pk)


@customer_required
@require_POST
def ticket_reopen_view(request, ticket_id):
    ticket = ticket_get_for(request.user, ticket_id)
    form = forms.ReopenForm(request.POST)
    if form.is_valid():
        try:
            services_tickets.portal_ticket_reopen(user=request.user, ticket=ticket,
                                                  reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The request is open again. We will get back to you."))
        return redirect("portal:ticket", ticket_id=ticket.pk)
    return _ticket_page(request, ticket, reopen_form=form, status=400)


@customer_required
def attachment_view(request, ticket_id, attachment_id):
    ticket = ticket_get_for(request.user, ticket_id)
    attachment = _public_attachments(ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("Attachment"), attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- profile --------------------------------------------------------------------------------

def _link_login_fresh(request) -> bool:
    at = request.session.get(LINK_LOGIN_KEY)
    return bool(at) and timezone.now().timestamp() - float(at) < LINK_PASSWORD_MINUTES * 60


@customer_required
@require_http_methods(["GET", "POST"])
def profile_view(request):
    customer = request.customer
    initial = {"name": customer.name, "phone": customer.phone,
               "language": customer.language or request.user.language,
               **{c: getattr(customer, c) for c in services.CONSENTS}}
    posted = request.method == "POST"
    form = forms.ProfileForm(request.POST if posted else None, initial=initial)
    if posted and form.is_valid():
        try:
            services.portal_profile_update(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Your details are saved."))
            return lang_cookie(redirect("portal:profile"), form.cleaned_data["language"])
    return _profile_page(request, form=form, status=400 if form.errors else 200)


def _profile_page(request, *, form=None, password_form=None, status=200):
    return render(request, "portal/profile.html", {
        "customer": request.customer, "form": form,
        "password_form": password_form or forms.PasswordForm(),
        "needs_current": request.user.has_usable_password() and not _link_login_fresh(request),
        "has_password": request.user.has_usable_password(),
    }, status=status)


@customer_required
@require_POST
def password_view(request):
    form = forms.PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.portal_password_set(
                user=request.user, password=form.cleaned_data["password"],
                current_password=form.cleaned_data["current_password"],
                require_current=not _link_login_fresh(request))
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            request.session.pop(LINK_LOGIN_KEY, None)
            messages.success(request, _("Your password is saved."))
            return redirect("portal:profile")
    customer = request.customer
    profile_form = forms.ProfileForm(initial={
        "name": customer.name, "phone": customer.phone, "language": customer.language,
        **{c: getattr(customer, c) for c in services.CONSENTS}})
    return _profile_page(request, form=profile_form, password_form=form, status=400)


# --- the embeddable web form ------------------------------------------------------------------

def _form_language(request) -> str:
    wanted = request.POST.get("lang") or request.GET.get("lang") or ""
    codes = {code for code, _n in settings.LANGUAGES}
    return wanted if wanted in codes else translation.get_language()


@csrf_exempt  # cross-site embeds cannot carry our CSRF cookie; see docs/portal.md
@xframe_options_exempt  # made to be shown in an <iframe> on the company's own site
@require_http_methods(["GET", "POST"])
def form_view(request):
    language = _form_language(request)
    with translation.override(language):
        form = forms.WebForm(request.POST or None)
        if request.method == "POST":
            if webform.rate_limit_hit(scope="web_form", client=client_address(request),
                                      limit=settings.WEB_FORM_LIMIT_PER_HOUR):
                response = render(request, "portal/form_limited.html",
                                  {"lang": language, "embedded": True}, status=429)
                response["Retry-After"] = "3600"
                return response
            if request.POST.get("website"):
                # The honeypot was filled: a bot. It sees the usual thanks; nothing is written.
                return redirect(f"{reverse('portal:form_thanks')}?lang={language}")
            if form.is_valid():
                data = form.cleaned_data
                try:
                    webform.web_form_submit(
                        name=data["name"], email=data["email"], phone=data["phone"],
                        subject=data["subject"], description=data["description"],
                        type=data["type"], language=language)
                except ApplicationError as exc:
                    add_error(form, exc)
                else:
                    return redirect(f"{reverse('portal:form_thanks')}?lang={language}")
        return render(request, "portal/form.html", {"form": form, "lang": language,
                                                    "embedded": True},
                      status=400 if form.errors else 200)


@xframe_options_exempt
def form_thanks_view(request):
    language = _form_language(request)
    with translation.override(language):
        return render(request, "portal/form_thanks.html", {"lang": language, "embedded": True})
