"""Customer endpoints: /api/v1/customers…"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.accounts.models import Branch
from kefu.api.schemas import ErrorOut, StrictIn
from kefu.core.errors import NotFound, reject_nul
from kefu.core.pagination import keyset_page

from . import services
from .access import customer_get_for, customers_for
from .models import Customer, PreferenceNote, Tier
from .selectors import customer_timeline

router = Router(tags=["customers"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CustomerIn(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    wechat_id: str = Field(default="", max_length=80)
    address: str = Field(default="", max_length=300)
    language: str = "zh-hans"
    tier: str | None = None
    branch: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=30)
    consent_email: bool = False
    consent_sms: bool = False
    consent_phone: bool = False
    consent_marketing: bool = False
    external_ref: str = Field(default="", max_length=80)


class CustomerPatch(StrictIn):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    wechat_id: str | None = Field(default=None, max_length=80)
    address: str | None = Field(default=None, max_length=300)
    language: str | None = None
    tier: str | None = None
    branch: str | None = None
    tags: list[str] | None = Field(default=None, max_length=30)
    consent_email: bool | None = None
    consent_sms: bool | None = None
    consent_phone: bool | None = None
    consent_marketing: bool | None = None
    external_ref: str | None = Field(default=None, max_length=80)


class PreferenceIn(StrictIn):
    text: str = Field(min_length=1, max_length=300)
    category: str = "other"
    important: bool = False


class PreferenceOut(Schema):
    id: int
    category: str
    text: str
    important: bool


class CustomerOut(Schema):
    id: int
    name: str
    name_en: str
    email: str
    phone: str
    wechat_id: str
    address: str
    language: str
    tier: dict
    branch: dict | None
    organisation: str | None
    household: dict | None
    tags: list[str]
    consents: dict
    preferences: list[PreferenceOut]
    created_at: datetime
    updated_at: datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next: str | None


class TimelineOut(Schema):
    at: datetime
    kind: str
    data: dict
    actor: str | None
    ticket_id: int | None
    ticket_subject: str | None


def customer_out(c, tags: list[str], prefs: list[PreferenceNote]) -> dict:
    return {
        "id": c.pk, "name": c.name, "name_en": c.name_en, "email": c.email, "phone": c.phone,
        "wechat_id": c.wechat_id, "address": c.address, "language": c.language,
        "tier": {"code": c.tier.code, "name": c.tier.label},
        "branch": {"code": c.branch.code, "name": c.branch.label} if c.branch_id else None,
        "organisation": c.organisation.name if c.organisation_id else None,
        "household": ({"name": c.household.name, "size": c.household.size}
                      if c.household_id else None),
        "tags": tags,
        "consents": {"email": c.consent_email, "sms": c.consent_sms, "phone": c.consent_phone,
                     "marketing": c.consent_marketing},
        "preferences": [{"id": p.pk, "category": p.category, "text": p.text,
                         "important": p.important} for p in prefs],
        "created_at": c.created_at, "updated_at": c.updated_at,
    }


def _after_write(customer_id: int):
    """Re-read a customer just written, without scope: moving a customer to another branch
    may take them out of the actor's view, but the answer must describe what was done."""
    return (Customer.objects.select_related("tier", "branch", "organisation", "household")
            .get(pk=customer_id))


def _one(c) -> dict:
    return customer_out(c, [t.name for t in c.tags.all()], list(c.preferences.all()))


def _tier(code: str | None) -> Tier | None:
    if code is None:
        return None
    tier = Tier.objects.filter(code=code).first()
    if tier is None:
        raise NotFound(_("Tier"), code)
    return tier


def _branch(code: str | None) -> Branch | None:
    if code is None:
        return None
    branch = Branch.objects.filter(code=code).first()
    if branch is None:
        raise NotFound(_("Branch"), code)
    return branch


class CustomerFilters(Schema):
    q: str | None = Field(default=None, max_length=200)
    tier: str | None = None
    branch: str | None = None
    tag: str | None = None
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 25


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def list_customers(request, filters: Query[CustomerFilters]):
    for name in ("q", "tier", "branch", "tag"):
        reject_nul(getattr(filters, name), name, "invalid_filter")
    qs = customers_for(request.auth).select_related("tier", "branch", "organisation", "household")
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(email__icontains=q)
                       | Q(phone__icontains=q))
    if filters.tier:
        qs = qs.filter(tier__code=filters.tier)
    if filters.branch:
        qs = qs.filter(branch__code=filters.branch)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    rows, nxt = keyset_page(qs, field="id", descending=True, cursor=filters.cursor,
                            limit=filters.limit)
    ids = [c.pk for c in rows]
    tags: dict[int, list[str]] = {}
    for cid, name in (rows[0].tags.through.objects.filter(customer_id__in=ids)
                      .values_list("customer_id", "tag__name") if rows else []):
        tags.setdefault(cid, []).append(name)
    prefs: dict[int, list] = {}
    for p in PreferenceNote.objects.filter(customer_id__in=ids):
        prefs.setdefault(p.customer_id, []).append(p)
    return {"items": [customer_out(c, tags.get(c.pk, []), prefs.get(c.pk, [])) for c in rows],
            "next": nxt}


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def create_customer(request, payload: CustomerIn):
    data = payload.dict()
    tier, branch, tags = _tier(data.pop("tier")), _branch(data.pop("branch")), data.pop("tags")
    customer = services.customer_create(actor=request.auth, data=data, tier=tier, branch=branch,
                                        tags=tags)
    return Status(201, _one(_after_write(customer.pk)))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, customer_id: int):
    return _one(customer_get_for(request.auth, customer_id))


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def patch_customer(request, customer_id: int, payload: CustomerPatch):
    customer = customer_get_for(request.auth, customer_id)
    data = payload.dict(exclude_unset=True)
    tier = _tier(data.pop("tier", None))
    set_branch = "branch" in data
    branch = _branch(data.pop("branch", None))
    tags = data.pop("tags", None)
    for key, value in data.items():
        if value is None:
            from kefu.core.errors import ApplicationError

            raise ApplicationError("invalid_input", _("%(field)s cannot be null.") % {"field": key},
                                   details={"field": key})
    services.customer_update(customer=customer, actor=request.auth, data=data, tier=tier,
                             branch=branch, set_branch=set_branch, tags=tags)
    return _one(_after_write(customer_id))


@router.delete("/customers/{customer_id}", response={204: None, **ERRORS})
def delete_customer(request, customer_id: int):
    """Administrators only; a customer with tickets is kept (409)."""
    customer = customer_get_for(request.auth, customer_id)
    services.customer_delete(customer=customer, actor=request.auth)
    return Status(204, None)


@router.get("/customers/{customer_id}/timeline", response={200: list[TimelineOut], **ERRORS})
def timeline(request, customer_id: int, limit: int = Query(50, ge=1, le=200)):
    customer = customer_get_for(request.auth, customer_id)
    return [e.__dict__ for e in customer_timeline(customer, viewer=request.auth, limit=limit)]


@router.post("/customers/{customer_id}/preferences", response={201: PreferenceOut, **ERRORS})
def add_preference(request, customer_id: int, payload: PreferenceIn):
    customer = customer_get_for(request.auth, customer_id)
    note = services.preference_add(customer=customer, actor=request.auth, text=payload.text,
                                   category=payload.category, important=payload.important)
    return Status(201, {"id": note.pk, "category": note.category, "text": note.text,
                        "important": note.important})


@router.delete("/customers/{customer_id}/preferences/{note_id}", response={204: None, **ERRORS})
def delete_preference(request, customer_id: int, note_id: int):
    customer = customer_get_for(request.auth, customer_id)
    note = PreferenceNote.objects.filter(pk=note_id, customer=customer).first()
    if note is None:
        raise NotFound(_("Preference note"), note_id)
    services.preference_delete(note=note, actor=request.auth)
    return Status(204, None)
