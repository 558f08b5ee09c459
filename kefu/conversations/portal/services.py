"""Every write of the customer portal and the web form.

- Sign-up creates an *inactive* customer login and nothing else; the one-time link sent to
  the address confirms it. Only then is the login activated and linked to a customer record
  (an existing one with that address, or a new one): typing someone's e-mail address never
  gives access to their record.
- One-time sign-in links: 20 minutes, single use, only their SHA-256 stored.
- The customer's own profile and consents (a ``profile_updated`` customer event).

Filing, answering, confirming and reopening are in ``services_tickets.py``; the anonymous
web form's write and the rate limit in ``webform.py``.

docs/portal.md explains the reasoning.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.accounts.services import token_digest
from kefu.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from kefu.customers.models import ContactPoint, Customer, CustomerEvent
from kefu.customers.services import clean_customer_fields, customer_create
from kefu.tickets import rules

from ..models import LoginLink

logger = logging.getLogger(__name__)

LINK_MINUTES = 20
#: One-time links one login may be sent per hour (nobody can flood a mailbox through us).
LINKS_PER_HOUR = 5
#: Sign-ups never confirmed are removed after this many days (``portal_housekeeping``).
UNCONFIRMED_DAYS = 7
MAX_NAME = 120
#: What a customer may file from the portal or the web form (never "internal").
CUSTOMER_TYPES = (rules.Type.INQUIRY, rules.Type.REQUEST, rules.Type.COMPLAINT, rules.Type.PRAISE)


# --- input ------------------------------------------------------------------------------

def normalise_email(value) -> str:
    """The address stripped and lower-cased, or ApplicationError ``invalid_email``."""
    email = (value or "").strip().lower() if isinstance(value, str) else ""
    try:
        if not email or len(email) > 254 or "\x00" in email:
            raise ValidationError("bad")
        validate_email(email)
    except ValidationError:
        raise ApplicationError("invalid_email", _("The e-mail address is not valid."),
                               details={"field": "email"})
    return email


def clean_name(value) -> str:
    name = (value or "").strip() if isinstance(value, str) else ""
    if not name:
        raise ApplicationError("required", _("%(field)s is required.") % {"field": _("Name")},
                               details={"field": "name"})
    if len(name) > MAX_NAME or "\x00" in name:
        raise ApplicationError("invalid_field", _("%(field)s is not valid.") % {"field": _("Name")},
                               details={"field": "name"})
    return name


def clean_language(value) -> str:
    if value not in {code for code, _n in settings.LANGUAGES}:
        raise ApplicationError("invalid_language", _("Unsupported language."),
                               details={"field": "language"})
    return value


def check_customer_type(value: str) -> str:
    """What a customer may file: never an internal ticket."""
    if value not in CUSTOMER_TYPES:
        raise ApplicationError("invalid_type", _("%(field)s is not valid.") % {"field": _("Type")},
                               details={"field": "type"})
    return value


def _check_password(password, user: User) -> None:
    if not isinstance(password, str) or not password or "\x00" in password or len(password) > 200:
        raise ApplicationError("invalid_password", _("Choose a password."),
                               details={"field": "password"})
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError("invalid_password", " ".join(exc.messages),
                               details={"field": "password", "messages": exc.messages})


# --- accounts ---------------------------------------------------------------------------

def same_text(queryset, field: str, value: str):
    """``field__iexact=value`` as ``UPPER(field) = UPPER(value)``: the expression the
    case-insensitive indexes hold (on SQLite ``__iexact`` is a LIKE, which no index serves,
    so every sign-in would read every customer)."""
    return queryset.alias(**{f"{field}_upper": Upper(field)}).filter(
        **{f"{field}_upper": Upper(Value(value))})


def portal_account_for_email(email: str) -> User | None:
    """The customer login an address belongs to: the login named by it, else the login of
    the customer record with that address. Never a staff account."""
    user = same_text(User.objects, "username", email).order_by("pk").first()
    if user is None:
        customer = (same_text(Customer.objects, "email", email).filter(user__isnull=False)
                    .select_related("user").order_by("pk").first())
        user = customer.user if customer else None
    return user if user is not None and user.role == Role.CUSTOMER else None


def is_unconfirmed(user: User) -> bool:
    """A sign-up waiting for its e-mail confirmation: an inactive customer login that has
    never signed in and has no customer record. (A login that staff deactivated has a
    record or has signed in: links never reactivate it.)"""
    return (user.role == Role.CUSTOMER and not user.is_active and user.last_login is None
            and not Customer.objects.filter(user_id=user.pk).exists())


def signup_fingerprint(user: User) -> str:
    """Ties the password chosen at sign-up to the browser that chose it (kept in its
    session): the confirmation keeps the password only when the same browser presents it."""
    return salted_hmac("kefu.portal.signup", f"{user.pk}:{user.password}",
                       algorithm="sha256").hexdigest()


@transaction.atomic
def portal_signup(*, email: str, password: str, name: str, language: str) -> User:
    """A new customer login, **inactive** until the one-time link confirms the address.

    No customer record is created or linked here. Raises ``account_exists`` (409) when the
    address already has a login (the caller sends that login a sign-in link instead and
    answers the same as for a new sign-up, so the page reveals nothing). Signing up again
    before confirming replaces the unconfirmed login's password and name."""
    email = normalise_email(email)
    name = clean_name(name)
    language = clean_language(language)
    existing = same_text(User.objects.select_for_update(), "username", email).order_by("pk").first()
    _check_password(password, existing or User(username=email, email=email, display_name=name))
    if existing is None and portal_account_for_email(email) is not None:
        raise Conflict("account_exists", _("This e-mail address already has an account."))
    if existing is not None:
        if not is_unconfirmed(existing):
            raise Conflict("account_exists", _("This e-mail address already has an account."))
        user = existing
    else:
        user = User(username=email, role=Role.CUSTOMER, is_active=False)
    user.email = email
    user.display_name = name
    user.language = language
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address signed up at the same moment
        raise Conflict("account_exists", _("This e-mail address already has an account."))
    return user


def login_link_create(user: User) -> str:
    """A one-time sign-in link's token (only its SHA-256 is stored): valid 20 minutes,
    used once. At most LINKS_PER_HOUR per login (``too_many_links``, 429)."""
    if user.role != Role.CUSTOMER:
        raise PermissionDenied(_("Sign-in links are for customers."))
    if not user.is_active and not is_unconfirmed(user):
        raise ApplicationError("account_disabled", _("This account is disabled."), status=403)
    now = timezone.now()
    if LoginLink.objects.filter(user=user, created_at__gte=now - timedelta(hours=1)).count() \
            >= LINKS_PER_HOUR:
        raise ApplicationError("too_many_links",
                               _("Too many sign-in links were sent. Try again later."), status=429)
    raw = secrets.token_urlsafe(32)
    LoginLink.objects.create(user=user, token_hash=token_digest(raw), created_at=now,
                             expires_at=now + timedelta(minutes=LINK_MINUTES))
    return raw


def _bad_link(code: str) -> ApplicationError:
    # One message for every failure: the page never says whether a token ever existed.
    return ApplicationError(code, _("This sign-in link is not valid any more. Ask for a new one."))


@transaction.atomic
def login_link_use(raw: str, *, fingerprint: str = "") -> User:
    """Spend a one-time link; returns the customer login to sign in.

    For an unconfirmed sign-up this is the confirmation: the login is activated and linked
    to the customer record with that address (or a new one). The sign-up's password is kept
    only when ``fingerprint`` (from the signing-up browser's session) matches it; otherwise
    it is discarded and the customer chooses one after signing in — so someone who signed
    up with another person's address can never sign in as them."""
    if not isinstance(raw, str) or not raw or len(raw) > 200 or "\x00" in raw:
        raise _bad_link("link_invalid")
    digest = token_digest(raw)
    now = timezone.now()
    # A conditional update: of two concurrent uses, exactly one changes the row.
    spent = LoginLink.objects.filter(token_hash=digest, used_at__isnull=True,
                                     expires_at__gt=now).update(used_at=now)
    if not spent:
        link = LoginLink.objects.filter(token_hash=digest).first()
        if link is None:
            raise _bad_link("link_invalid")
        raise _bad_link("link_used" if link.used_at else "link_expired")
    link = LoginLink.objects.get(token_hash=digest)
    user = User.objects.select_for_update().get(pk=link.user_id)
    if user.role != Role.CUSTOMER:
        raise _bad_link("link_invalid")
    if not user.is_active:
        if not is_unconfirmed(user):
            raise ApplicationError("account_disabled", _("This account is disabled."), status=403)
        keep = bool(fingerprint) and constant_time_compare(fingerprint, signup_fingerprint(user))
        user.is_active = True
        if not keep:
            user.set_unusable_password()
        user.save()
        _link_customer(user)
    # Any other link still out for this login is spent too.
    LoginLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    return user


def customer_for_email(email: str, *, unclaimed: bool = False) -> Customer | None:
    """The customer an address belongs to, by the e-mail intake's rules: the customer
    record's address (case-insensitive), else an e-mail contact point; the oldest first.
    ``unclaimed``: only records without a portal login."""
    records = same_text(Customer.objects, "email", email)
    contacts = same_text(ContactPoint.objects, "value", email).filter(kind=ContactPoint.Kind.EMAIL)
    if unclaimed:
        records = records.filter(user__isnull=True)
        contacts = contacts.filter(customer__user__isnull=True)
    found = records.order_by("pk").first()
    if found is None:
        contact = contacts.select_related("customer").order_by("customer_id").first()
        found = contact.customer if contact else None
    return found


def _link_customer(user: User) -> Customer:
    """After the address is confirmed: claim the customer record with that address that has
    no login yet, else create one (ordinary tier). A ``portal_linked`` event either way."""
    email = user.email or user.username
    for _attempt in range(3):
        candidate = customer_for_email(email, unclaimed=True)
        if candidate is None:
            break
        # Claimed only if still unclaimed: two logins never share a record.
        if Customer.objects.filter(pk=candidate.pk, user__isnull=True).update(
                user=user, updated_at=timezone.now()):
            CustomerEvent.objects.create(customer=candidate, actor=user, kind="portal_linked",
                                         data={"email": email, "new_customer": False})
            return candidate
    customer = customer_create(actor=None, data={"name": user.display_name or email,
                                                 "email": email, "language": user.language})
    customer.user = user
    customer.save(update_fields=["user", "updated_at"])
    CustomerEvent.objects.create(customer=customer, actor=user, kind="portal_linked",
                                 data={"email": email, "new_customer": True})
    return customer


@transaction.atomic
def portal_password_set(*, user: User, password: str, current_password: str | None = None,
                        require_current: bool = True) -> None:
    """Choose a new password. The current one is asked for unless the session was opened by
    a one-time link moments ago (the "forgot my password" path) or there is none."""
    if require_current and user.has_usable_password() and not user.check_password(
            current_password or ""):
        raise ApplicationError("wrong_password", _("The current password is wrong."),
                               details={"field": "current_password"})
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    customer = Customer.objects.filter(user=user).first()
    if customer is not None:
        CustomerEvent.objects.create(customer=customer, actor=user, kind="password_changed")


def portal_housekeeping(*, now=None) -> dict:
    """Remove spent or expired links older than a day and sign-ups never confirmed within
    UNCONFIRMED_DAYS. For a periodic job."""
    now = now or timezone.now()
    links = LoginLink.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()[0]
    stale = (User.objects.filter(role=Role.CUSTOMER, is_active=False, last_login__isnull=True,
                                 date_joined__lt=now - timedelta(days=UNCONFIRMED_DAYS),
                                 customer__isnull=True))
    users = stale.delete()[0]
    return {"links": links, "users": users}


# --- the e-mail carrying a link -----------------------------------------------------------

def contact_address(user: User) -> str:
    customer = Customer.objects.filter(user=user).only("email").first()
    return (customer.email if customer and customer.email else "") or user.email or (
        user.username if "@" in user.username else "")


def send_login_link_email(user: User, url: str, *, purpose: str = "sign_in") -> bool:
    """Queue the e-mail with a one-time link (``purpose``: "confirm" after sign-up, else
    "sign_in"), in the customer's language. Returns False when it could not be queued; the
    link itself is never logged or shown."""
    to = contact_address(user)
    if not to:
        logger.warning("portal: login #%s has no e-mail address; no link sent", user.pk)
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        if purpose == "confirm":
            subject = _("Confirm your e-mail address")
            intro = _("Welcome! Open this link within %(minutes)d minutes to confirm your "
                      "e-mail address and sign in:") % {"minutes": LINK_MINUTES}
        else:
            subject = _("Your sign-in link")
            intro = _("Open this link within %(minutes)d minutes to sign in:") % {
                "minutes": LINK_MINUTES}
        outro = _("The link works once. If you did not ask for it, ignore this e-mail: "
                  "nothing changes.")
        body = f"{intro}\n\n{url}\n\n{outro}\n"
    from kefu.conversations.outbound import queue_notification

    return queue_notification(to_address=to, subject=subject, body=body,
                              language=user.language) is not None


# --- the customer's profile ---------------------------------------------------------------

CONSENTS = ("consent_email", "consent_sms", "consent_phone", "consent_marketing")


def customer_of(user: User) -> Customer:
    customer = Customer.objects.filter(user=user).first() if user.role == Role.CUSTOMER else None
    if customer is None:
        raise NotFound(_("Customer"))
    return customer


@transaction.atomic
def portal_profile_update(*, user: User, name: str, phone: str, language: str,
                          consent_email: bool, consent_sms: bool, consent_phone: bool,
                          consent_marketing: bool) -> Customer:
    """The customer's own name, phone, language and consents (the e-mail address is not
    changed here: it is what their login is confirmed by). One ``profile_updated`` event
    with the changes, when there are any."""
    customer = Customer.objects.select_for_update().filter(user=user).first()
    if customer is None or user.role != Role.CUSTOMER:
        raise NotFound(_("Customer"))
    fields = clean_customer_fields({
        "name": clean_name(name), "phone": phone, "language": clean_language(language),
        "consent_email": consent_email, "consent_sms": consent_sms,
        "consent_phone": consent_phone, "consent_marketing": consent_marketing})
    changes = {}
    for field, value in fields.items():
        if getattr(customer, field) != value:
            changes[field] = [getattr(customer, field), value]
            setattr(customer, field, value)
    if changes:
        customer.save(update_fields=[*changes, "updated_at"])
        CustomerEvent.objects.create(customer=customer, actor=user, kind="profile_updated",
                                     data={"changes": changes, "channel": "portal"})
    if user.display_name != fields["name"] or user.language != fields["language"]:
        user.display_name = fields["name"]
        user.language = fields["language"]
        user.save(update_fields=["display_name", "language"])
    return customer
