"""Non-trivial ticket reads: the filtered inbox, a ticket's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.accounts.access import ticket_scope_parts
from kefu.accounts.lookups import people_by_id, teams_by_id
from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, reject_nul
from kefu.core.pagination import keyset_page_of_parts, valid_id
from kefu.core.refcache import TableCache
from kefu.customers.lookups import customer_labels

from . import rules
from .models import Attachment, Message, Ticket, TicketEvent

SORTS = {
    "-updated_at": ("updated_at", True),
    "updated_at": ("updated_at", False),
    "-created_at": ("created_at", True),
    "created_at": ("created_at", False),
}
STATUS_GROUPS = {"active": sorted(rules.OPEN_STATUSES)}


#: The columns a list row needs (API ``ticket_out`` and the console inbox); the customer,
#: team, category and people come from the reference cache (``attach_list_relations``).
LIST_FIELDS = (
    "subject", "description", "status", "type", "priority", "channel", "customer_id", "team_id",
    "category_id", "owner_id", "assignee_id", "merged_into_id", "created_at", "updated_at",
    "first_response_at", "resolved_at", "closed_at", "first_response_due", "next_update_due",
    "resolution_due", "sla_due", "sla_warn_at",
)


@dataclass
class InboxFilter:
    status: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    owner: str | None = None  # user id, "me" or "none"
    assignee: str | None = None
    team: int | None = None
    tier: str | None = None
    customer: int | None = None
    category: int | None = None
    tag: str | None = None
    q: str | None = None
    sort: str = "-updated_at"


def _ids(value: str | None, viewer: User, name: str):
    if value in (None, ""):
        return None
    if value == "me":
        return viewer.pk
    if value == "none":
        return "none"
    try:
        ident = int(value)
    except (TypeError, ValueError):
        ident = -1
    if not valid_id(ident):
        raise ApplicationError("invalid_filter", _("%(field)s is not valid.") % {"field": name},
                               details={"field": name})
    return ident


def _check(values: list[str], enum, name: str, extra=()) -> list[str]:
    allowed = {e.value for e in enum} | set(extra)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ApplicationError("invalid_filter", _("%(field)s is not valid.") % {"field": name},
                               details={"field": name, "allowed": sorted(allowed)})
    return values


def inbox(viewer: User, flt: InboxFilter, *, cursor: str | None, limit: int):
    """A page of tickets the viewer may see, filtered and sorted; a fixed number of queries."""
    for name in ("q", "tag", "tier", "owner", "assignee"):
        reject_nul(getattr(flt, name), name, "invalid_filter")
    if flt.sort not in SORTS:
        raise ApplicationError("invalid_sort", _("%(field)s is not valid.") % {"field": "sort"},
                               details={"field": "sort", "allowed": list(SORTS)})
    qs = Ticket.objects.all()
    statuses = []
    for s in _check(flt.status, rules.Status, "status", STATUS_GROUPS):
        statuses += STATUS_GROUPS.get(s, [s])
    if statuses:
        qs = qs.filter(status__in=statuses)
    if flt.type:
        qs = qs.filter(type__in=_check(flt.type, rules.Type, "type"))
    if flt.priority:
        qs = qs.filter(priority__in=_check(flt.priority, rules.Priority, "priority"))
    for name, value in (("owner", flt.owner), ("assignee", flt.assignee)):
        ident = _ids(value, viewer, name)
        if ident == "none":
            qs = qs.filter(**{f"{name}__isnull": True})
        elif ident is not None:
            qs = qs.filter(**{f"{name}_id": ident})
    for name in ("team", "customer", "category"):
        ident = getattr(flt, name)
        if ident is None or ident == "":
            continue
        if not valid_id(ident):
            raise ApplicationError("invalid_filter", _("%(field)s is not valid.") % {"field": name},
                                   details={"field": name})
        qs = qs.filter(**{f"{name}_id": ident})
    if flt.tier:
        qs = qs.filter(customer__tier__code=flt.tier)
    if flt.tag:
        qs = qs.filter(tags__name=flt.tag)
    if flt.q:
        q = flt.q.strip()[:200]
        if q.startswith("#") and q[1:].isdigit():
            qs = qs.filter(pk=int(q[1:]))
        elif q:
            qs = qs.filter(subject__icontains=q)
    qs = qs.only(*LIST_FIELDS)
    field_name, descending = SORTS[flt.sort]
    parts = ticket_scope_parts(viewer)
    if flt.q and parts:
        # A text filter scans anyway: one scan with the whole scope, not one per part.
        combined = Q()
        for part in parts:
            combined |= part
        parts = [combined]
    rows, nxt = keyset_page_of_parts(qs, parts, field=field_name, descending=descending,
                                     cursor=cursor, limit=limit)
    attach_list_relations(rows)
    return rows, nxt


def attach_list_relations(rows: list[Ticket]) -> None:
    """Give list rows their customer (name, tier), team, category and people from the
    per-process reference cache (see kefu.core.refcache) instead of a nine-table join or
    more queries per page; the rows stay usable as ``t.team.label``, ``t.owner.name``…"""
    if not rows:
        return
    customers = customer_labels({r.customer_id for r in rows})
    for r in rows:
        r.customer = customers[r.customer_id]
    attach_relations(rows)


def attach_relations(rows: list[Ticket]) -> None:
    """Team, category (with ``category_path``) and owner/assignee from the reference cache."""
    if not rows:
        return
    teams = teams_by_id({r.team_id for r in rows})
    people = people_by_id({r.owner_id for r in rows} | {r.assignee_id for r in rows})
    category_ids = {r.category_id for r in rows if r.category_id}
    nodes = category_nodes(category_ids) if category_ids else {}
    paths = category_paths(nodes) if nodes else {}
    for r in rows:
        r.team = teams[r.team_id]
        r.category = nodes.get(r.category_id) if r.category_id else None
        r.category_path = paths.get(r.category_id) if r.category_id else None
        r.owner = people.get(r.owner_id) if r.owner_id else None
        r.assignee = people.get(r.assignee_id) if r.assignee_id else None


def _load_categories() -> dict:
    from .models import Category

    return {c.pk: c for c in Category.objects.order_by()}


CATEGORIES = TableCache(_load_categories)


def category_nodes(wanted=()) -> dict:
    """Every category by id (the tree is small), from the per-process reference cache;
    reloaded first if one of ``wanted`` is not known yet."""
    return CATEGORIES.covering(wanted)


def category_paths(nodes: dict | None = None) -> dict[int, str]:
    """Every category's full label ("配送 › 配送延误") in the current language, from one query,
    whatever the depth of the tree."""
    nodes = category_nodes() if nodes is None else nodes
    language = get_language()
    memo = _PATHS_MEMO.get(language)
    if memo is not None and memo[0] is nodes:  # the same cached tree: the same labels
        return memo[1]
    paths: dict[int, str] = {}

    def path(pk: int, depth: int = 0) -> str:
        if pk not in paths:
            node = nodes[pk]
            parent = node.parent_id
            prefix = path(parent, depth + 1) + " › " if parent in nodes and depth < 20 else ""
            paths[pk] = prefix + node.label
        return paths[pk]

    for pk in nodes:
        path(pk)
    _PATHS_MEMO[language] = (nodes, paths)
    return paths


#: language → (the category dict the labels were built from, the labels)
_PATHS_MEMO: dict[str, tuple[dict, dict[int, str]]] = {}


@dataclass
class TimelineItem:
    at: object
    kind: str  # "message" | "event"
    message: Message | None = None
    event: TicketEvent | None = None


#: The events a customer may see on their own ticket, and the fields of them they see.
CUSTOMER_EVENT_KINDS = ("created", "status", "merged_from")
CUSTOMER_EVENT_FIELDS = ("old", "new", "status", "channel", "source", "reopened")


def customer_event_data(event: TicketEvent) -> dict:
    """Staff reasons and ids stay internal: customers see what changed, not why or by whom."""
    return {k: v for k, v in (event.data or {}).items() if k in CUSTOMER_EVENT_FIELDS}


def ticket_timeline(ticket: Ticket, viewer: User) -> list[TimelineItem]:
    """Messages (with attachments) and events in time order; customers see public ones only."""
    messages = Message.objects.filter(ticket=ticket)
    attachments = Attachment.objects.filter(ticket=ticket)
    events = TicketEvent.objects.filter(ticket=ticket)
    if viewer.role == Role.CUSTOMER:
        messages = messages.filter(visibility="public")
        attachments = attachments.filter(internal=False)
        events = events.filter(kind__in=CUSTOMER_EVENT_KINDS)
    else:
        events = events.exclude(kind__in=["message", "note"])
    by_message: dict[int, list[Attachment]] = {}
    loose = []
    for a in attachments:
        if a.message_id:
            by_message.setdefault(a.message_id, []).append(a)
        else:
            loose.append(a)
    messages, events = list(messages), list(events)
    # Authors and actors from the reference cache: names only, no user row per item.
    people = people_by_id({m.author_id for m in messages} | {e.actor_id for e in events})
    items = []
    for m in messages:
        m.author = people.get(m.author_id) if m.author_id else None
        m.attachment_list = by_message.get(m.pk, [])
        items.append(TimelineItem(m.created_at, "message", message=m))
    for e in events:
        e.actor = people.get(e.actor_id) if e.actor_id else None
        items.append(TimelineItem(e.created_at, "event", event=e))
    items.sort(key=lambda i: (i.at, 0 if i.kind == "event" else 1))
    ticket.loose_attachments = loose
    return items
