"""Requests and complaints: tickets, their messages, attachments and the event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Team
from kefu.core.models import BilingualName
from kefu.customers.models import Customer, Tag

from . import rules

STATUS_CHOICES = [
    (rules.Status.NEW.value, _("New")),
    (rules.Status.OPEN.value, _("Open")),
    (rules.Status.PENDING_CUSTOMER.value, _("Pending customer")),
    (rules.Status.PENDING_INTERNAL.value, _("Pending internal")),
    (rules.Status.RESOLVED.value, _("Resolved")),
    (rules.Status.CLOSED.value, _("Closed")),
]
TYPE_CHOICES = [
    (rules.Type.INQUIRY.value, _("Inquiry")),
    (rules.Type.REQUEST.value, _("Request")),
    (rules.Type.COMPLAINT.value, _("Complaint")),
    (rules.Type.PRAISE.value, _("Praise")),
    (rules.Type.INTERNAL.value, _("Internal")),
]
PRIORITY_CHOICES = [
    (rules.Priority.LOW.value, _("Low")),
    (rules.Priority.NORMAL.value, _("Normal")),
    (rules.Priority.HIGH.value, _("High")),
    (rules.Priority.URGENT.value, _("Urgent")),
]
CHANNEL_CHOICES = [
    ("agent", _("Agent")),
    ("phone", _("Phone")),
    ("counter", _("Counter")),
    ("email", _("E-mail")),
    ("portal", _("Portal")),
    ("web", _("Web form")),
    ("chat", _("Chat")),
    ("api", _("API")),
]


class Category(BilingualName):
    """A node of the category tree (e.g. Delivery › Late delivery)."""

    parent = models.ForeignKey("self", verbose_name=_("Parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    code = models.SlugField(verbose_name=_("Code"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("Category")
        verbose_name_plural = _("Categories")
        ordering = ["code"]

    @property
    def path_label(self) -> str:
        parts, node = [], self
        while node is not None:
            parts.append(node.label)
            node = node.parent
        return " › ".join(reversed(parts))


class Ticket(models.Model):
    subject = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    #: The sanitised HTML of the e-mail that opened the ticket (shown sandboxed); null: none.
    description_html = models.TextField(null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets",
                                 db_index=False)  # tk_customer_created leads with it
    type = models.CharField(max_length=20, choices=TYPE_CHOICES, default="inquiry")
    priority = models.CharField(max_length=10, choices=PRIORITY_CHOICES, default="normal")
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="new")
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES, default="agent")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="tickets")
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="tickets",
                             db_index=False)  # tk_team_status_upd leads with it
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="tickets", db_index=False)  # tk_branch_upd
    #: 首问负责人: the first agent who took the contact; accountable until it is resolved.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="owned_tickets",
                              db_index=False)  # tk_owner_upd leads with it
    #: Who is working on it now (may be a back-office colleague); the owner stays.
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assigned_tickets",
                                 db_index=False)  # tk_assignee_upd leads with it
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_tickets", db_index=False)  # tk_merged
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # SLA due times (kefu.workflow keeps the policy, pauses and figures in TicketSla). On the
    # ticket row so that the inbox shows and sorts them without a join.
    first_response_due = models.DateTimeField(null=True, blank=True)
    next_update_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    #: The earliest due time still running, and when it enters its warning window.
    sla_due = models.DateTimeField(null=True, blank=True)
    sla_warn_at = models.DateTimeField(null=True, blank=True)
    #: When the periodic SLA job must look at this ticket next (a warning or a breach).
    sla_next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="ticket_owned_unless_new", condition=Q(status="new") | Q(owner__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at", "-id"], name="tk_status_upd"),
            models.Index(fields=["team", "status", "-updated_at", "-id"], name="tk_team_status_upd"),
            models.Index(fields=["branch", "-updated_at", "-id"], name="tk_branch_upd"),
            models.Index(fields=["owner", "-updated_at", "-id"], name="tk_owner_upd"),
            models.Index(fields=["assignee", "-updated_at", "-id"], name="tk_assignee_upd"),
            # The inbox's "mine" parts filter by status too: walk them in order, no filtering.
            models.Index(fields=["owner", "status", "-updated_at", "-id"], name="tk_owner_status_upd"),
            models.Index(fields=["assignee", "status", "-updated_at", "-id"],
                         name="tk_assignee_status_upd"),
            models.Index(fields=["customer", "-created_at"], name="tk_customer_created"),
            models.Index(fields=["-updated_at", "-id"], name="tk_updated"),
            models.Index(fields=["-created_at", "-id"], name="tk_created"),
            # Partial indexes: only the few rows they serve pay for them on insert.
            models.Index(fields=["resolved_at"], name="tk_resolved", condition=Q(status="resolved")),
            models.Index(fields=["merged_into"], name="tk_merged", condition=Q(merged_into__isnull=False)),
            models.Index(fields=["sla_next_check_at"], name="tk_sla_check",
                         condition=Q(sla_next_check_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"



class Message(models.Model):
    """A public reply (the customer sees it) or an internal note (staff only)."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public reply")
        INTERNAL = "internal", _("Internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    from_customer = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES, default="agent")
    created_at = models.DateTimeField(auto_now_add=True)
    #: A customer's e-mail: its sanitised HTML (shown sandboxed) and the quoted history
    #: stripped from ``body`` (and from the HTML); null when there is none.
    body_html = models.TextField(null=True, blank=True)
    quoted_text = models.TextField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at"])]
        ordering = ["created_at", "id"]


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class TicketEvent(models.Model):
    """One row per change (who, what, when), written in the same transaction as the change."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events",
                               db_index=False)  # the (ticket, created_at) index leads with it
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at"])]
        ordering = ["created_at", "id"]


class IdempotencyKey(models.Model):
    """Remembers the result of a create so that a retried request returns it again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=60)
    request_hash = models.CharField(max_length=64)
    resource_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idem_unique")]
