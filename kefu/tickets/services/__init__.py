"""Every write to tickets. Each runs in a transaction and writes its TicketEvent row(s) in it.

Ownership (首问负责制): the first agent who takes a contact becomes its owner; assignment to a
colleague or another team never changes the owner; only a supervisor's explicit transfer
with a reason does. A ticket outside ``new`` always has an owner (also a DB constraint).
"""

from .attachments import (
    ALLOWED_CONTENT_TYPES,
    attachment_add,
    attachment_store_from_channel,
    attachments_link_to_message,
    sniff_content_type,
)
from .create import request_fingerprint, route_team, ticket_create
from .housekeeping import close_resolved_older_than, purge_expired_idempotency_keys
from .inbound import CUSTOMER_CHANNELS, ticket_create_from_channel, ticket_customer_message
from .lifecycle import (
                        CUSTOMER_TRANSITIONS,
                        ticket_assign,
                        ticket_merge,
                        ticket_reply,
                        ticket_take,
                        ticket_transfer_ownership,
                        ticket_transition,
                        ticket_update,
)

__all__ = [
    "ALLOWED_CONTENT_TYPES", "CUSTOMER_CHANNELS", "CUSTOMER_TRANSITIONS",
    "ticket_create_from_channel", "ticket_customer_message", "attachment_add", "attachment_store_from_channel",
    "attachments_link_to_message",
    "close_resolved_older_than",
    "purge_expired_idempotency_keys", "request_fingerprint", "route_team", "sniff_content_type",
    "ticket_assign", "ticket_create", "ticket_merge", "ticket_reply", "ticket_take",
    "ticket_transfer_ownership", "ticket_transition", "ticket_update",
]
