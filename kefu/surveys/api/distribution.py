"""Waves (supervisors and administrators; auditors read) and invitations (scoped to who
asks)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.api.schemas import StrictIn, user_ref
from kefu.core.pagination import keyset_page

from .. import access, rules, selectors
from ..models import Invitation, Wave
from ..services import waves as wave_services
from ._common import ERRORS, _wave_reader

router = Router(tags=["surveys"])


class WaveIn(StrictIn):
    version_id: int = Field(ge=1, le=2**63 - 1)
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    filters: dict[Literal["tiers", "branches", "tags", "roles", "teams"],
                  list[str]] = Field(default_factory=dict)
    sample_size: int | None = Field(default=None, ge=1, le=10_000_000)
    sample_fraction: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = Field(default=None, ge=0, le=2**62)
    channel: Literal["email", "portal", "console"] | None = None
    reminder_days: list[int] = Field(default_factory=list, max_length=3)
    expires_days: int = Field(default=30, ge=1, le=365)
    exclude_recent_days: int = Field(default=0, ge=0, le=365)


class RatesOut(Schema):
    invited: int
    delivered: int
    undeliverable: int
    reminded: int
    responded: int
    expired: int
    rate: float | None


class WaveOut(Schema):
    id: int
    name: str
    name_en: str
    instrument: str
    version: int
    version_id: int
    audience: str
    filters: dict
    sample_size: int | None
    sample_fraction: float | None
    seed: int
    channel: str
    reminder_days: list[int]
    expires_days: int
    exclude_recent_days: int
    status: str
    branch: str | None
    population: int | None
    invited: int
    created_by: dict | None
    created_at: datetime
    launched_at: datetime | None
    closed_at: datetime | None
    rates: RatesOut | None
    rates_by: list[dict] | None = None


class WavePage(Schema):
    items: list[WaveOut]
    next: str | None


def wave_out(w: Wave, *, rates: bool = True, by: str | None = None) -> dict:
    launched = w.status != rules.WaveStatus.DRAFT
    return {"id": w.pk, "name": w.name, "name_en": w.name_en, "instrument": w.instrument.code,
            "version": w.version.number, "version_id": w.version_id, "audience": w.audience,
            "filters": w.filters, "sample_size": w.sample_size,
            "sample_fraction": w.sample_fraction, "seed": w.seed, "channel": w.channel,
            "reminder_days": w.reminder_days, "expires_days": w.expires_days,
            "exclude_recent_days": w.exclude_recent_days, "status": w.status,
            "branch": w.branch.code if w.branch_id else None, "population": w.population,
            "invited": w.invited, "created_by": user_ref(w.created_by),
            "created_at": w.created_at, "launched_at": w.launched_at, "closed_at": w.closed_at,
            "rates": wave_services.response_rates(w) if rates and launched else None,
            "rates_by": wave_services.response_rates(w, by=by) if by and launched else None}


@router.get("/surveys/waves", response={200: WavePage, **ERRORS})
def list_waves(request, cursor: str | None = None, limit: int = 25):
    """Waves you may see, newest first (without response figures: see one wave)."""
    user = _wave_reader(request)
    qs = access.waves_for(user).select_related("instrument", "version", "branch", "created_by")
    rows, nxt = keyset_page(qs, field="id", descending=True, cursor=cursor, limit=limit)
    return {"items": [wave_out(w, rates=False) for w in rows], "next": nxt}


@router.post("/surveys/waves", response={201: WaveOut, **ERRORS})
def create_wave(request, payload: WaveIn):
    """A draft wave of a published version (launch it to send). Supervisors (their own
    branch) and administrators. The seed is recorded (random when not given)."""
    user = _wave_reader(request)
    data = payload.dict()
    version = access.version_get_for(user, data.pop("version_id"))
    wave = wave_services.wave_create(actor=user, version=version, **data)
    return Status(201, wave_out(access.wave_get_for(user, wave.pk)))


@router.get("/surveys/waves/{wave_id}", response={200: WaveOut, **ERRORS})
def get_wave(request, wave_id: int, by: Literal["branch", "tier"] | None = None):
    """A wave with its response figures (invited, delivered, reminded, responded, expired,
    rate = responded / delivered); ``by=branch|tier`` adds them per branch or tier."""
    user = _wave_reader(request)
    return wave_out(access.wave_get_for(user, wave_id), by=by)


@router.post("/surveys/waves/{wave_id}/launch", response={200: WaveOut, **ERRORS})
def launch_wave(request, wave_id: int):
    """Draw the sample and write the invitations; they are sent in the background."""
    user = _wave_reader(request)
    wave = access.wave_get_for(user, wave_id)
    base = settings.PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")
    wave_services.wave_launch(actor=user, wave=wave, base_url=base)
    return wave_out(access.wave_get_for(user, wave_id))


@router.post("/surveys/waves/{wave_id}/close", response={200: WaveOut, **ERRORS})
def close_wave(request, wave_id: int):
    user = _wave_reader(request)
    wave = access.wave_get_for(user, wave_id)
    wave_services.wave_close(actor=user, wave=wave)
    return wave_out(access.wave_get_for(user, wave_id))


# --- invitations -----------------------------------------------------------------------------------

class InvitationOut(Schema):
    id: int
    instrument: str
    version: int
    wave_id: int | None
    ticket_id: int | None
    customer_id: int | None
    user_id: int | None
    channel: str
    language: str
    state: str
    created_at: datetime
    sent_at: datetime | None
    undeliverable: bool
    reminder_count: int
    reminded_at: datetime | None
    responded_at: datetime | None
    expires_at: datetime


class InvitationPage(Schema):
    items: list[InvitationOut]
    next: str | None


class InvitationFilters(Schema):
    wave_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 25


def invitation_out(i: Invitation) -> dict:
    return {"id": i.pk, "instrument": i.instrument.code, "version": i.version.number,
            "wave_id": i.wave_id, "ticket_id": i.ticket_id, "customer_id": i.customer_id,
            "user_id": i.user_id, "channel": i.channel, "language": i.language,
            "state": selectors.invitation_state(i), "created_at": i.created_at,
            "sent_at": i.sent_at, "undeliverable": i.undeliverable,
            "reminder_count": i.reminder_count, "reminded_at": i.reminded_at,
            "responded_at": i.responded_at, "expires_at": i.expires_at}


@router.get("/surveys/invitations", response={200: InvitationPage, **ERRORS})
def list_invitations(request, filters: Query[InvitationFilters]):
    """Invitations you may see, newest first: a customer their own; staff their own and, for
    managers, the ones in their scope."""
    qs = access.invitations_for(request.auth).select_related("instrument", "version", "wave")
    if filters.wave_id:
        qs = qs.filter(wave_id=filters.wave_id)
    rows, nxt = keyset_page(qs, field="id", descending=True, cursor=filters.cursor,
                            limit=filters.limit)
    return {"items": [invitation_out(i) for i in rows], "next": nxt}


@router.get("/surveys/invitations/{invitation_id}", response={200: InvitationOut, **ERRORS})
def get_invitation(request, invitation_id: int):
    return invitation_out(access.invitation_get_for(request.auth, invitation_id))
