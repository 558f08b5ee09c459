"""Every write to customer records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.access import require_role, require_staff_writer
from kefu.accounts.models import Branch, Role, User
from kefu.core.errors import ApplicationError, Conflict

from .models import Customer, CustomerEvent, PreferenceNote, Tag, Tier

EDITABLE = ("name", "name_en", "email", "phone", "wechat_id", "address", "language",
            "consent_email", "consent_sms", "consent_phone", "consent_marketing", "external_ref")
LIMITS = {"name": 200, "name_en": 200, "email": 254, "phone": 40, "wechat_id": 80,
          "address": 300, "external_ref": 80}


def default_tier() -> Tier:
    """The most ordinary tier (the highest rank number); a first one if none exists yet —
    two processes creating the first customer at once both get the same tier."""
    tier = Tier.objects.order_by("-rank").first()
    if tier is None:
        tier, _created = Tier.objects.get_or_create(
            code="regular", defaults={"name": "普通", "name_en": "Regular", "rank": 100})
    return tier


def clean_customer_fields(data: dict) -> dict:
    """Validate editable fields; raises ApplicationError naming the field."""
    cleaned = {}
    for field, value in data.items():
        if field not in EDITABLE:
            continue
        if field.startswith("consent_"):
            if not isinstance(value, bool):
                raise ApplicationError("invalid_field", _("%(field)s must be true or false.")
                                       % {"field": field}, details={"field": field})
            cleaned[field] = value
            continue
        value = "" if value is None else value
        if not isinstance(value, str):
            raise ApplicationError("invalid_field", _("%(field)s must be text.") % {"field": field},
                                   details={"field": field})
        value = value.strip()
        if "\x00" in value or len(value) > LIMITS.get(field, 200):
            raise ApplicationError("invalid_field", _("%(field)s is not valid.") % {"field": field},
                                   details={"field": field})
        if field == "email" and value:
            try:
                validate_email(value)
            except ValidationError:
                raise ApplicationError("invalid_email", _("The e-mail address is not valid."),
                                       details={"field": "email"})
        if field == "language" and value not in ("zh-hans", "en"):
            raise ApplicationError("invalid_field", _("%(field)s is not valid.") % {"field": field},
                                   details={"field": field})
        cleaned[field] = value
    if "name" in data and not cleaned.get("name"):
        raise ApplicationError("required", _("%(field)s is required.") % {"field": "name"},
                               details={"field": "name"})
    return cleaned


def _event(customer, actor, kind, **data):
    CustomerEvent.objects.create(customer=customer, actor=actor, kind=kind, data=data)


def _set_tags(customer: Customer, names) -> None:
    tags = []
    for name in names or []:
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 60 or "\x00" in name:
            raise ApplicationError("invalid_tag", _("Tags must be short text."))
        tags.append(Tag.objects.get_or_create(name=name.strip())[0])
    customer.tags.set(tags)


@transaction.atomic
def customer_create(*, actor: User | None, data: dict, tier: Tier | None = None,
                    branch: Branch | None = None, tags=None) -> Customer:
    if actor is not None:
        require_staff_writer(actor)
    fields = clean_customer_fields({"name": data.get("name"), **data})
    customer = Customer.objects.create(tier=tier or default_tier(), branch=branch, **fields)
    if tags:
        _set_tags(customer, tags)
    _event(customer, actor, "created")
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor: User, data: dict, tier: Tier | None = None,
                    branch: Branch | None = None, tags=None, set_branch: bool = False) -> Customer:
    if actor.role == Role.CUSTOMER:
        # Customers may keep their own contact details and consents up to date.
        allowed = {"phone", "email", "wechat_id", "address", "language", "consent_email",
                   "consent_sms", "consent_phone", "consent_marketing"}
        if tier is not None or set_branch or tags is not None or set(data) - allowed:
            raise ApplicationError("forbidden", _("You can only change your contact details."),
                                   status=403)
    else:
        require_staff_writer(actor)
    fields = clean_customer_fields(data)
    changes = {}
    for field, value in fields.items():
        if getattr(customer, field) != value:
            changes[field] = [getattr(customer, field), value]
            setattr(customer, field, value)
    if tier is not None and tier.pk != customer.tier_id:
        changes["tier"] = [customer.tier.code, tier.code]
        customer.tier = tier
    if set_branch and (branch.pk if branch else None) != customer.branch_id:
        changes["branch"] = [customer.branch_id, branch.pk if branch else None]
        customer.branch = branch
    customer.save()
    if tags is not None:
        old = sorted(customer.tags.values_list("name", flat=True))
        _set_tags(customer, tags)
        new = sorted(customer.tags.values_list("name", flat=True))
        if old != new:
            changes["tags"] = [old, new]
    if changes:
        _event(customer, actor, "updated", changes={k: [str(a), str(b)] for k, (a, b) in changes.items()})
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer, actor: User) -> None:
    require_role(actor, Role.ADMIN)
    if customer.tickets.exists():
        raise Conflict("customer_has_tickets",
                       _("A customer with tickets cannot be deleted; their history is kept."))
    customer.delete()


@transaction.atomic
def preference_add(*, customer: Customer, actor: User, text: str, category: str = "other",
                   important: bool = False) -> PreferenceNote:
    require_staff_writer(actor)
    text = (text or "").strip()
    if not text or len(text) > 300 or "\x00" in text:
        raise ApplicationError("invalid_preference", _("A preference note is 1 to 300 characters."),
                               details={"field": "text"})
    if category not in PreferenceNote.Category.values:
        raise ApplicationError("invalid_field", _("%(field)s is not valid.") % {"field": "category"},
                               details={"field": "category", "allowed": PreferenceNote.Category.values})
    note = PreferenceNote.objects.create(customer=customer, text=text, category=category,
                                         important=bool(important), created_by=actor)
    _event(customer, actor, "preference_added", text=text, category=category)
    return note


@transaction.atomic
def preference_delete(*, note: PreferenceNote, actor: User) -> None:
    require_staff_writer(actor)
    _event(note.customer, actor, "preference_removed", text=note.text)
    note.delete()
