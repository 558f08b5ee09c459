"""Ticket endpoints: /api/v1/tickets…"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from kefu.accounts.models import Team, User
from kefu.api.schemas import ErrorOut, StrictIn, json_response, user_ref
from kefu.core.errors import ApplicationError, NotFound
from kefu.customers.access import customer_get_for

from . import selectors, services
from .access import ticket_after_write, ticket_get_for
from .models import Attachment, Category, Message, TicketEvent
from .selectors import CUSTOMER_EVENT_KINDS, customer_event_data

router = Router(tags=["tickets"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          413: ErrorOut, 415: ErrorOut, 422: ErrorOut}

TicketType = Literal["inquiry", "request", "complaint", "praise", "internal"]
PriorityName = Literal["low", "normal", "high", "urgent"]
StatusName = Literal["new", "open", "pending_customer", "pending_internal", "resolved", "closed"]


class TicketIn(StrictIn):
    subject: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=100_000)
    customer_id: int
    type: TicketType = "inquiry"
    priority: PriorityName = "normal"
    category_id: int | None = None
    team_id: int | None = None
    channel: Literal["agent", "phone", "counter", "email", "portal", "web", "chat", "api"] | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)


class TicketPatch(StrictIn):
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    type: TicketType | None = None
    priority: PriorityName | None = None
    category_id: int | None = None
    tags: list[str] | None = Field(default=None, max_length=20)


class SlaSummaryOut(Schema):
    first_response_due: datetime | None
    next_update_due: datetime | None
    resolution_due: datetime | None
    due: datetime | None
    state: Literal["ok", "warning", "breached", "none"]


class TicketOut(Schema):
    id: int
    subject: str
    description: str
    status: str
    type: str
    priority: str
    channel: str
    customer: dict
    team: dict
    category: dict | None
    owner: dict | None
    assignee: dict | None
    merged_into: int | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla: SlaSummaryOut


class TicketPage(Schema):
    items: list[TicketOut]
    next: str | None


class MessageIn(StrictIn):
    body: str = Field(min_length=1, max_length=100_000)
    internal: bool = False
    #: Files uploaded first with ``POST /tickets/{id}/attachments`` (by the same user, as
    #: internal as the message) that go with it — and out with its e-mail.
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)


class MessageOut(Schema):
    id: int
    visibility: str
    body: str
    #: A customer's e-mail: its sanitised HTML (render it sandboxed all the same) and the
    #: quoted history stripped from ``body``; null when there is none. Read-only.
    body_html: str | None
    quoted_text: str | None
    author: dict | None
    from_customer: bool
    channel: str
    created_at: datetime
    attachments: list[dict]


class MessagePage(Schema):
    items: list[MessageOut]
    next: str | None


class TransitionIn(StrictIn):
    status: StatusName
    reason: str = Field(default="", max_length=1000)


class AssignIn(StrictIn):
    assignee_id: int | None = None
    team_id: int | None = None


class OwnerIn(StrictIn):
    owner_id: int
    reason: str = Field(min_length=1, max_length=1000)


class MergeIn(StrictIn):
    into_id: int


class EventOut(Schema):
    id: int
    kind: str
    actor: dict | None
    data: dict
    created_at: datetime


class EventPage(Schema):
    items: list[EventOut]
    next: str | None


def ticket_out(t, tags: list[str] | None = None, paths: dict[int, str] | None = None) -> dict:
    c = t.customer
    if t.category_id and paths is None:
        path = getattr(t, "category_path", None)
        paths = ({t.category_id: path} if path
                 else selectors.category_paths(selectors.category_nodes({t.category_id})))
    return {
        "id": t.pk, "subject": t.subject, "description": t.description, "status": t.status,
        "type": t.type, "priority": t.priority, "channel": t.channel,
        "customer": {"id": c.pk, "name": c.name, "tier": c.tier.code},
        "team": {"id": t.team.pk, "code": t.team.code, "name": t.team.label},
        "category": ({"id": t.category_id, "code": t.category.code, "name": paths[t.category_id]}
                     if t.category_id else None),
        "owner": user_ref(t.owner), "assignee": user_ref(t.assignee),
        "merged_into": t.merged_into_id,
        "tags": tags if tags is not None else sorted(t.tags.order_by().values_list("name", flat=True)),
        "created_at": t.created_at, "updated_at": t.updated_at,
        "first_response_at": t.first_response_at, "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "sla": sla_summary(t),
    }


def sla_summary(t) -> dict:
    """Due times from the ticket row and the state of the nearest running target ("ok",
    "warning", "breached"; "none" when nothing runs). The full story: GET …/sla."""
    now = timezone.now()
    if t.sla_due is None:
        state = "none"
    elif now > t.sla_due:
        state = "breached"
    elif t.sla_warn_at is not None and now >= t.sla_warn_at:
        state = "warning"
    else:
        state = "ok"
    return {"first_response_due": t.first_response_due, "next_update_due": t.next_update_due,
            "resolution_due": t.resolution_due, "due": t.sla_due, "state": state}


def attachment_out(a: Attachment) -> dict:
    return {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size,
            "url": f"/api/v1/attachments/{a.pk}"}


def message_out(m: Message, attachments: list[Attachment]) -> dict:
    return {"id": m.pk, "visibility": m.visibility, "body": m.body, "body_html": m.body_html,
            "quoted_text": m.quoted_text, "author": user_ref(m.author),
            "from_customer": m.from_customer, "channel": m.channel, "created_at": m.created_at,
            "attachments": [attachment_out(a) for a in attachments]}


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Team"), team_id)
    return team


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound(_("Category"), category_id)
    return category


def _staff_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("User"), user_id)
    return user


class TicketFilters(Schema):
    status: list[str] = Field(default_factory=list)
    type: list[str] = Field(default_factory=list)
    priority: list[str] = Field(default_factory=list)
    owner: str | None = None
    assignee: str | None = None
    team: int | None = None
    tier: str | None = None
    customer: int | None = None
    category: int | None = None
    tag: str | None = None
    q: str | None = Field(default=None, max_length=200)
    sort: str = "-updated_at"
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 25


@router.get("/tickets", response={200: TicketPage, **ERRORS})
def list_tickets(request, filters: Query[TicketFilters]):
    """Tickets you may see, newest activity first; filter with repeated query parameters
    (``?status=open&status=new``), ``status=active`` for every open status."""
    data = filters.dict()
    cursor, limit = data.pop("cursor"), data.pop("limit")
    rows, nxt = selectors.inbox(request.auth, selectors.InboxFilter(**data), cursor=cursor,
                                limit=limit)
    tags = _tags_for([t.pk for t in rows])
    return json_response({"items": [ticket_out(t, tags.get(t.pk, [])) for t in rows],
                          "next": nxt})


def _tags_for(ticket_ids: list[int]) -> dict[int, list[str]]:
    from .models import Ticket

    out: dict[int, list[str]] = {}
    if ticket_ids:
        for tid, name in Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids).values_list(
                "ticket_id", "tag__name"):
            out.setdefault(tid, []).append(name)
    return out


#: What creating a ticket reads of the customer: scope, routing and the answer.
CREATE_CUSTOMER_FIELDS = ("name", "branch_id", "user_id", "tier__code", "tier__name",
                          "tier__name_en")


@router.post("/tickets", response={201: TicketOut, 200: TicketOut, **ERRORS})
def create_ticket(request, payload: TicketIn):
    """Create a ticket. Send ``Idempotency-Key`` to make retries safe: the same key returns
    the first ticket (200) instead of creating a second one."""
    actor = request.auth
    customer = customer_get_for(actor, payload.customer_id, related=("tier",),
                                only=CREATE_CUSTOMER_FIELDS)
    key = request.headers.get("Idempotency-Key")
    ticket, created = services.ticket_create(
        actor=actor, customer=customer, subject=payload.subject, description=payload.description,
        type=payload.type, priority=payload.priority, channel=payload.channel or "api",
        category=_category(payload.category_id), team=_team(payload.team_id), tags=payload.tags,
        idempotency_key=key, fingerprint=services.request_fingerprint(payload.dict()) if key else None)
    if not created:
        ticket = ticket_after_write(ticket.pk)
    else:
        ticket.customer = customer
    return json_response(ticket_out(ticket, getattr(ticket, "tag_names", None)),
                         status=201 if created else 200)


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request, ticket_id: int):
    return json_response(ticket_out(ticket_get_for(request.auth, ticket_id)))


@router.patch("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def patch_ticket(request, ticket_id: int, payload: TicketPatch):
    ticket = ticket_get_for(request.auth, ticket_id)
    fields = payload.dict(exclude_unset=True)
    if "category_id" in fields:
        fields["category"] = _category(fields.pop("category_id"))
    for key in [k for k, v in fields.items() if v is None and k != "category"]:
        raise ApplicationError("invalid_input", _("%(field)s cannot be null.") % {"field": key},
                               details={"field": key})
    services.ticket_update(ticket=ticket, actor=request.auth, **fields)
    return ticket_out(ticket_after_write(ticket_id))


@router.get("/tickets/{ticket_id}/messages", response={200: MessagePage, **ERRORS})
def list_messages(request, ticket_id: int, cursor: str | None = None, limit: int = 50):
    from kefu.core.pagination import keyset_page

    ticket = ticket_get_for(request.auth, ticket_id)
    qs = Message.objects.filter(ticket=ticket).select_related("author")
    attachments = Attachment.objects.filter(ticket=ticket, message__isnull=False)
    if request.auth.role == "customer":
        qs = qs.filter(visibility="public")
        attachments = attachments.filter(internal=False)
    rows, nxt = keyset_page(qs, field="created_at", descending=False, cursor=cursor, limit=limit)
    by_msg: dict[int, list] = {}
    for a in attachments.filter(message_id__in=[m.pk for m in rows]):
        by_msg.setdefault(a.message_id, []).append(a)
    return {"items": [message_out(m, by_msg.get(m.pk, [])) for m in rows], "next": nxt}


@router.post("/tickets/{ticket_id}/messages", response={201: MessageOut, **ERRORS})
def add_message(request, ticket_id: int, payload: MessageIn):
    """A public reply (``internal: false``) or an internal note (``internal: true``), with
    files uploaded beforehand (``attachment_ids``)."""
    ticket = ticket_get_for(request.auth, ticket_id)
    with transaction.atomic():  # a file that cannot go with it takes the reply back
        message = services.ticket_reply(ticket=ticket, actor=request.auth, body=payload.body,
                                        internal=payload.internal, channel="api")
        files = services.attachments_link_to_message(
            ticket=ticket, actor=request.auth, message=message,
            attachment_ids=payload.attachment_ids)
    return Status(201, message_out(message, files))


@router.get("/tickets/{ticket_id}/events", response={200: EventPage, **ERRORS})
def list_events(request, ticket_id: int, cursor: str | None = None, limit: int = 50):
    from kefu.core.pagination import keyset_page

    ticket = ticket_get_for(request.auth, ticket_id)
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    is_customer = request.auth.role == "customer"
    if is_customer:
        qs = qs.filter(kind__in=CUSTOMER_EVENT_KINDS)
    rows, nxt = keyset_page(qs, field="created_at", descending=False, cursor=cursor, limit=limit)
    return {"items": [{"id": e.pk, "kind": e.kind, "actor": user_ref(e.actor),
                       "data": customer_event_data(e) if is_customer else e.data,
                       "created_at": e.created_at} for e in rows], "next": nxt}


@router.post("/tickets/{ticket_id}/transitions", response={200: TicketOut, **ERRORS})
def transition(request, ticket_id: int, payload: TransitionIn):
    ticket = ticket_get_for(request.auth, ticket_id)
    services.ticket_transition(ticket=ticket, actor=request.auth, status=payload.status,
                               reason=payload.reason)
    return ticket_out(ticket_after_write(ticket_id))


@router.post("/tickets/{ticket_id}/take", response={200: TicketOut, **ERRORS})
def take(request, ticket_id: int):
    """Take the contact: you become its owner (首问负责) if nobody owns it, and its assignee."""
    ticket = ticket_get_for(request.auth, ticket_id)
    services.ticket_take(ticket=ticket, actor=request.auth)
    return ticket_out(ticket_after_write(ticket_id))


@router.post("/tickets/{ticket_id}/assign", response={200: TicketOut, **ERRORS})
def assign(request, ticket_id: int, payload: AssignIn):
    """Hand the work to a colleague and/or team; the owner stays accountable."""
    ticket = ticket_get_for(request.auth, ticket_id)
    assignee = _staff_user(payload.assignee_id) if payload.assignee_id is not None else None
    services.ticket_assign(ticket=ticket, actor=request.auth, assignee=assignee,
                           team=_team(payload.team_id))
    return ticket_out(ticket_after_write(ticket_id))


@router.post("/tickets/{ticket_id}/owner", response={200: TicketOut, **ERRORS})
def transfer_owner(request, ticket_id: int, payload: OwnerIn):
    """Supervisors only: move accountability to another agent, with a reason."""
    ticket = ticket_get_for(request.auth, ticket_id)
    services.ticket_transfer_ownership(ticket=ticket, actor=request.auth,
                                       new_owner=_staff_user(payload.owner_id),
                                       reason=payload.reason)
    return ticket_out(ticket_after_write(ticket_id))


@router.post("/tickets/{ticket_id}/merge", response={200: TicketOut, **ERRORS})
def merge(request, ticket_id: int, payload: MergeIn):
    """Merge this ticket into ``into_id``; answers with the surviving ticket."""
    source = ticket_get_for(request.auth, ticket_id)
    target = ticket_get_for(request.auth, payload.into_id)
    services.ticket_merge(source=source, target=target, actor=request.auth)
    return ticket_out(ticket_after_write(payload.into_id))


@router.post("/tickets/{ticket_id}/attachments", response={201: dict, **ERRORS})
def upload_attachment(request, ticket_id: int, file: File[UploadedFile],
                      internal: Form[bool] = False):
    ticket = ticket_get_for(request.auth, ticket_id)
    attachment = services.attachment_add(ticket=ticket, actor=request.auth, upload=file,
                                         internal=internal)
    return Status(201, attachment_out(attachment))


@router.get("/attachments/{attachment_id}", response={200: None, **ERRORS})
def download_attachment(request, attachment_id: int):
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("Attachment"), attachment_id)
    ticket_get_for(request.auth, attachment.ticket_id)  # 404 unless the ticket is visible
    if attachment.internal and request.auth.role == "customer":
        raise NotFound(_("Attachment"), attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
