"""Pure ticket rules (no ORM): statuses, the allowed-transition table, ownership rules.

Lifecycle: new → open → pending customer / pending internal → resolved → closed, with
reopen from resolved. ``closed`` is final; a merged ticket is closed.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_INTERNAL = "pending_internal"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Type(StrEnum):
    INQUIRY = "inquiry"
    REQUEST = "request"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    INTERNAL = "internal"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING_CUSTOMER, S.PENDING_INTERNAL, S.RESOLVED, S.CLOSED}),
    S.OPEN: frozenset({S.PENDING_CUSTOMER, S.PENDING_INTERNAL, S.RESOLVED}),
    S.PENDING_CUSTOMER: frozenset({S.OPEN, S.PENDING_INTERNAL, S.RESOLVED}),
    S.PENDING_INTERNAL: frozenset({S.OPEN, S.PENDING_CUSTOMER, S.RESOLVED}),
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset({S.NEW, S.OPEN, S.PENDING_CUSTOMER, S.PENDING_INTERNAL})


def can_transition(current: str, target: str) -> bool:
    try:
        return Status(target) in TRANSITIONS[Status(current)]
    except ValueError:
        return False


def allowed_targets(current: str) -> list[str]:
    return sorted(TRANSITIONS[Status(current)], key=list(Status).index)


def is_reopen(current: str, target: str) -> bool:
    return Status(current) == S.RESOLVED and Status(target) == S.OPEN


def transition_needs_owner(target: str) -> bool:
    """Leaving ``new`` means someone has taken the contact: it must have an owner (首问负责制)."""
    return Status(target) != S.NEW


def owner_after_action(*, current_owner_id: int | None, actor_id: int, actor_is_agent: bool) -> int | None:
    """First-contact ownership: the first agent who acts on an unowned ticket becomes owner.

    Once set, the owner only changes through an explicit ownership transfer; assignment
    to another agent never changes it.
    """
    if current_owner_id is not None:
        return current_owner_id
    return actor_id if actor_is_agent else None


def complaint_escalated_priority(ticket_type: str, priority: str) -> str:
    """A complaint is never filed below normal priority."""
    if Type(ticket_type) == Type.COMPLAINT and Priority(priority) == Priority.LOW:
        return Priority.NORMAL.value
    return Priority(priority).value
