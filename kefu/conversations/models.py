"""What the channels store: mailboxes, every inbound e-mail's raw bytes and outcome, the
Message-IDs that thread replies, outgoing e-mail with its delivery state, chat channels
with their inbound messages and outbound webhook deliveries, and one-time sign-in links
for the portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Team
from kefu.core.secrets import SecretField
from kefu.tickets.models import Message, Ticket


class Mailbox(models.Model):
    """A support address kefu reads (IMAP) and writes from (SMTP). Its password and OAuth2
    tokens are stored encrypted (kefu/core/secrets.py)."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (loopback only)")

    name = models.CharField(verbose_name=_("Name"), max_length=120)
    address = models.EmailField(verbose_name=_("Address"), unique=True)
    team = models.ForeignKey(Team, verbose_name=_("Team"), null=True, blank=True,
                             on_delete=models.SET_NULL, help_text=_("Queue for new tickets."))
    active = models.BooleanField(verbose_name=_("Active"), default=True)
    imap_host = models.CharField(verbose_name=_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(verbose_name=_("IMAP port"), default=993)
    imap_security = models.CharField(verbose_name=_("IMAP security"), max_length=10,
                                     choices=Security.choices, default=Security.SSL)
    imap_user = models.CharField(verbose_name=_("IMAP user"), max_length=255, blank=True)
    imap_password = SecretField(verbose_name=_("IMAP password"), blank=True)
    imap_folder = models.CharField(verbose_name=_("IMAP folder"), max_length=255, default="INBOX")
    #: Where processed messages go; blank: they stay and are flagged \\Seen + $KefuProcessed.
    imap_done_folder = models.CharField(verbose_name=_("Move processed mail to"), max_length=255,
                                        blank=True)
    #: For providers that need OAuth2 (XOAUTH2): the access token and its expiry.
    oauth2_access_token = SecretField(verbose_name=_("OAuth2 access token"), blank=True)
    oauth2_expires_at = models.DateTimeField(verbose_name=_("OAuth2 token expires"), null=True,
                                             blank=True)
    #: What refreshing the access token needs (RFC 6749 §6): the provider's token endpoint,
    #: the client kefu is registered as, and the refresh token the authorisation gave.
    oauth2_token_url = models.CharField(verbose_name=_("OAuth2 token endpoint"), max_length=500,
                                        blank=True)
    oauth2_client_id = models.CharField(verbose_name=_("OAuth2 client ID"), max_length=255,
                                        blank=True)
    oauth2_client_secret = SecretField(verbose_name=_("OAuth2 client secret"), blank=True)
    oauth2_refresh_token = SecretField(verbose_name=_("OAuth2 refresh token"), blank=True)
    oauth2_scope = models.CharField(verbose_name=_("OAuth2 scope"), max_length=500, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("Mailbox")
        verbose_name_plural = _("Mailboxes")
        ordering = ["address"]


class InboundEmail(models.Model):
    """One received message: its raw bytes are stored (committed) before it is processed,
    so nothing is lost; the outcome says what became of it."""

    class Source(models.TextChoices):
        IMAP = "imap", "IMAP"
        SMTP = "smtp", "SMTP"
        LMTP = "lmtp", "LMTP"
        FILE = "file", _("File")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not processed yet")
        CREATED = "created", _("New ticket")
        APPENDED = "appended", _("Added to a ticket")
        DUPLICATE = "duplicate", _("Duplicate")
        QUARANTINED = "quarantined", _("Quarantined")
        IGNORED = "ignored", _("Ignored (auto-reply, bounce, list, loop)")

    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="inbound")
    source = models.CharField(max_length=10, choices=Source.choices)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the raw bytes
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    imap_uid = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    #: the reply or the ticket's opening message it became
    ticket_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Inbound e-mail")
        verbose_name_plural = _("Inbound e-mail")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status"),
                   models.Index(fields=["from_address", "received_at"], name="inbound_sender")]


class ThreadRef(models.Model):
    """A Message-ID kefu has seen or sent, and the ticket it belongs to: replies thread by
    In-Reply-To / References in one indexed lookup."""

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    message_id = models.CharField(max_length=998, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Thread reference")
        verbose_name_plural = _("Thread references")


class OutboundEmail(models.Model):
    """An e-mail kefu sends, written in the same transaction as what caused it and sent by a
    background job; the state machine makes sure it goes out at most once."""

    class Kind(models.TextChoices):
        ACK = "ack", _("Acknowledgement")
        REPLY = "reply", _("Reply")
        SURVEY = "survey", _("Survey invitation")
        NOTIFICATION = "notification", _("Notification")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNCERTAIN = "uncertain", _("Unknown: check before resending")
        #: sent, then a delivery report said it could not be delivered
        BOUNCED = "bounced", _("Bounced")

    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="outbound_email")
    #: the reply it carries (None for acknowledgements and notifications)
    ticket_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="+")
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    to_address = models.CharField(max_length=320)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    message_id = models.CharField(max_length=998, unique=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    #: The latest delivery report (bounce) about it: "failed" (state BOUNCED) or "delayed"
    #: (still being tried by the receiving side), its status code (5.1.1), the server's words.
    dsn_action = models.CharField(max_length=10, blank=True)
    dsn_status = models.CharField(max_length=20, blank=True)
    dsn_diagnostic = models.TextField(blank=True)
    dsn_recipient = models.CharField(max_length=320, blank=True)
    dsn_at = models.DateTimeField(null=True, blank=True)
    #: The reply's files as they went out: [{"id", "filename", "size", "how": "attached" or
    #: "linked"}] (written when it is sent; linked: over KEFU_MAX_OUTBOUND_ATTACHMENT_BYTES).
    files = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("Outbound e-mail")
        verbose_name_plural = _("Outbound e-mail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbound_due")]
        constraints = [
            # one e-mail per reply (and kind): a reply is never sent twice
            models.UniqueConstraint(fields=["ticket_message", "kind"],
                                    condition=Q(ticket_message__isnull=False),
                                    name="outbound_once_per_message"),
        ]


class Channel(models.Model):
    """A chat or messaging adapter (website chat, WeChat, WhatsApp…): inbound messages are
    signed with its secret (HMAC-SHA256); replies go to its outbound webhook."""

    class Kind(models.TextChoices):
        WEB_CHAT = "web_chat", _("Website chat")
        WECHAT = "wechat", _("WeChat")
        WHATSAPP = "whatsapp", "WhatsApp"
        OTHER = "other", _("Other")

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    name = models.CharField(verbose_name=_("Name"), max_length=120)
    kind = models.CharField(verbose_name=_("Kind"), max_length=10, choices=Kind.choices)
    secret = SecretField(verbose_name=_("Signing secret"))
    outbound_url = models.URLField(verbose_name=_("Outbound webhook"), max_length=500, blank=True)
    team = models.ForeignKey(Team, verbose_name=_("Team"), null=True, blank=True,
                             on_delete=models.SET_NULL)
    active = models.BooleanField(verbose_name=_("Active"), default=True)

    class Meta:
        verbose_name = _("Chat channel")
        verbose_name_plural = _("Chat channels")
        ordering = ["code"]


class ChannelMessage(models.Model):
    """An inbound chat message, unique per channel and adapter message id (idempotent)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    external_id = models.CharField(max_length=200)
    sender = models.CharField(max_length=200)  # the adapter's user id (openid, phone…)
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Chat message")
        verbose_name_plural = _("Chat messages")
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"],
                                               name="channel_message_once")]


class WebhookDelivery(models.Model):
    """A reply pushed to a channel's outbound webhook: signed, retried with back-off, logged."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook delivery")
        verbose_name_plural = _("Webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]
        constraints = [models.UniqueConstraint(fields=["channel", "message"],
                                               name="webhook_once_per_message")]


class LoginLink(models.Model):
    """A one-time sign-in link for the customer portal (only the token's hash is stored)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Sign-in link")
        verbose_name_plural = _("Sign-in links")
