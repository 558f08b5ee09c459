"""E-mail out: the services that queue an e-mail to a customer (a staff reply, the
acknowledgement of a new e-mail ticket, a survey invitation, a notification).

Each writes one ``OutboundEmail`` row in the caller's transaction — its subject and bodies
rendered in the customer's language, its Message-ID, In-Reply-To and References set so the
customer's answer threads back to the ticket — records the Message-ID as a ``ThreadRef``,
and queues the send job when the transaction commits. Sending (and its delivery state) is
``sending.py``; a reply is never e-mailed twice (one row per message and kind, and the
state machine sends a row at most once).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kefu.tickets.models import Message, Ticket

# the e-mail-in side parses the token back (``find_token``): one format for both
from .email.threading import strip_prefixes, ticket_token
from .models import InboundEmail, Mailbox, OutboundEmail, ThreadRef

log = logging.getLogger("kefu.email")

#: The languages e-mail templates exist in; anything else falls back to LANGUAGE_CODE.
LANGUAGES = ("zh-hans", "en")
#: References keeps the thread's first Message-ID and the latest ones (RFC 5322 §3.6.4
#: lets a long chain be shortened so; headers stay well under the line limits).
MAX_REFERENCES = 10
#: What an e-mail's InboundEmail status must be to count as the customer's message.
_FILED = (InboundEmail.Status.CREATED, InboundEmail.Status.APPENDED)


# --- helpers ------------------------------------------------------------------------------

def email_language(code: str | None) -> str:
    """The template language for a customer's ``language`` field."""
    code = (code or "").strip().lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-hans"
    if code.startswith("en"):
        return "en"
    default = (settings.LANGUAGE_CODE or "zh-hans").lower()
    return default if default in LANGUAGES else "zh-hans"


def _subject_with_token(subject: str, ticket_id: int | None, *, reply: bool) -> str:
    subject = " ".join((subject or "").split())
    if reply:
        subject = "Re: " + strip_prefixes(subject).strip()
    if ticket_id is not None:
        token = ticket_token(ticket_id)
        if token not in subject:
            subject = f"{subject} {token}"
    return subject[:998]


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower() or "localhost"


def new_message_id(ticket_id: int | None, sender: str) -> str:
    """``<kefu.{ticket}.{uuid}@{domain of the sender}>``: unique, and it names the ticket."""
    middle = f"kefu.{ticket_id}." if ticket_id is not None else "kefu."
    return f"<{middle}{uuid.uuid4().hex}@{_domain(sender)}>"


def sender_address(mailbox: Mailbox | None) -> str:
    return mailbox.address if mailbox is not None else settings.MAIL_FROM


def _ticket_mailbox(ticket: Ticket, inbound: list[InboundEmail]) -> Mailbox | None:
    """The mailbox the customer wrote to, else an active mailbox of the ticket's team."""
    from .email.ingest import MAILBOXES  # every mailbox, cached per process

    mailboxes = MAILBOXES.all()
    for row in inbound:
        if row.mailbox_id is not None:
            return MAILBOXES.covering({row.mailbox_id}).get(row.mailbox_id)
    return next((m for m in mailboxes.values() if m.team_id == ticket.team_id and m.active), None)


def _inbound_of(ticket: Ticket) -> list[InboundEmail]:
    """The ticket's filed inbound e-mails, newest first (only the columns threading needs)."""
    return list(InboundEmail.objects.filter(ticket_id=ticket.pk, status__in=_FILED)
                .only("pk", "mailbox_id", "message_id", "from_address", "received_at")
                .order_by("-received_at", "-pk")[:50])


def thread_headers(ticket: Ticket, inbound: list[InboundEmail]) -> tuple[str, str]:
    """(In-Reply-To, References): the customer's last Message-ID, and the thread's known
    ids in the order they were seen (the first kept, then the latest), ending with it."""
    last_in = next((row.message_id for row in inbound if row.message_id), "")
    refs = ThreadRef.objects.filter(ticket_id=ticket.pk).values_list("message_id", flat=True)
    latest = list(refs.order_by("-created_at", "-pk")[:MAX_REFERENCES + 1])[::-1]
    first = list(refs.order_by("created_at", "pk")[:1]) if len(latest) > MAX_REFERENCES else []
    chain = [_angle(ref) for ref in first + latest if ref]
    if last_in:
        last_in = _angle(last_in)
        chain = [ref for ref in chain if ref != last_in] + [last_in]
    seen: set[str] = set()
    chain = [ref for ref in chain if not (ref in seen or seen.add(ref))]
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1):]
    in_reply_to = last_in or (chain[-1] if chain else "")
    return in_reply_to, " ".join(chain)


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id.strip('<>')}>"


def render_email(kind: str, language: str, context: dict) -> tuple[str, str]:
    """(text, html) of ``conversations/email/{kind}`` in ``language``."""
    with translation.override(language):
        text = render_to_string(f"conversations/email/{kind}.txt", context)
        html = render_to_string(f"conversations/email/{kind}.html", context)
    return text.strip() + "\n", html


def _customer_name(customer, language: str) -> str:
    if language == "en" and customer.name_en:
        return customer.name_en
    return customer.name


def _create(**fields) -> OutboundEmail:
    """Insert the row and its ThreadRef; queue the send job once the transaction commits."""
    now = timezone.now()
    with transaction.atomic():
        outbound = OutboundEmail.objects.create(created_at=now, **fields)
        if outbound.ticket_id is not None:
            ThreadRef.objects.create(message_id=outbound.message_id, ticket_id=outbound.ticket_id,
                                     direction=ThreadRef.Direction.OUT, created_at=now)
    enqueue_send(outbound.pk)
    return outbound


def enqueue_send(outbound_id: int) -> None:
    """The send job, once the current transaction commits (robust: a queue that cannot take
    the job must not undo the reply; the every-minute sweep sends the row later)."""
    def send():
        from .tasks import send_outbound

        send_outbound(outbound_id)

    transaction.on_commit(send, robust=True)


# --- the services -------------------------------------------------------------------------

def queue_reply_email(message: Message) -> OutboundEmail | None:
    """Call in the transaction of a public staff reply: e-mail it to the customer when the
    ticket came in by e-mail, or the customer has an address and agreed to e-mail. Returns
    the row (the existing one when this message was queued already: never twice) or None."""
    if message.visibility != Message.Visibility.PUBLIC or message.from_customer:
        return None
    ticket = message.ticket
    customer = ticket.customer
    if ticket.channel != "email" and not (customer.email and customer.consent_email):
        return None
    existing = OutboundEmail.objects.filter(ticket_message=message,
                                            kind=OutboundEmail.Kind.REPLY).first()
    if existing is not None:
        return existing
    inbound = _inbound_of(ticket) if ticket.channel == "email" else []
    to_address = next((row.from_address for row in inbound if row.from_address), "") \
        or customer.email
    if not to_address:
        return None
    language = email_language(customer.language)
    mailbox = _ticket_mailbox(ticket, inbound)
    in_reply_to, references = thread_headers(ticket, inbound)
    author = message.author
    context = {"ticket": ticket, "customer_name": _customer_name(customer, language),
               "body": message.body, "agent_name": author.name if author else "",
               "mailbox_name": mailbox.name if mailbox else "",
               "token": ticket_token(ticket.pk)}
    text, html = render_email("reply", language, context)
    try:
        return _create(ticket=ticket, ticket_message=message, mailbox=mailbox,
                       kind=OutboundEmail.Kind.REPLY, to_address=to_address,
                       subject=_subject_with_token(ticket.subject, ticket.pk, reply=True),
                       body_text=text, body_html=html, language=language,
                       message_id=new_message_id(ticket.pk, sender_address(mailbox)),
                       in_reply_to=in_reply_to, references=references)
    except IntegrityError:
        # Another transaction queued this message at the same moment: that one goes out.
        return OutboundEmail.objects.filter(ticket_message=message,
                                            kind=OutboundEmail.Kind.REPLY).first()


def queue_acknowledgement(ticket: Ticket, *, inbound: InboundEmail | None = None,
                          new_ticket: bool = False) -> OutboundEmail | None:
    """Call when an e-mail has just created ``ticket``: a short "we have it, your reference
    is [#123]" in the customer's language, threaded to their message. Once per ticket. The
    inbound side decides who gets a ticket (never auto-replies, bounces or lists), so it
    decides who gets this. ``inbound``: the e-mail that created it, when its row is not
    saved with its ticket yet (called in the middle of processing it). ``new_ticket``:
    ``inbound`` created the ticket in this very transaction, so it has no other e-mail, no
    acknowledgement yet and its thread is that one message (nothing to look up)."""
    if new_ticket and inbound is not None:
        rows = [inbound]
        in_reply_to = references = _angle(inbound.message_id) if inbound.message_id else ""
    else:
        existing = OutboundEmail.objects.filter(ticket=ticket,
                                                kind=OutboundEmail.Kind.ACK).first()
        if existing is not None:
            return existing
        rows = _inbound_of(ticket)
        if inbound is not None:
            rows = [inbound, *(row for row in rows if row.pk != inbound.pk)]
        in_reply_to, references = thread_headers(ticket, rows)
    customer = ticket.customer
    to_address = next((row.from_address for row in rows if row.from_address), "") \
        or customer.email
    if not to_address:
        return None
    language = email_language(customer.language)
    mailbox = _ticket_mailbox(ticket, rows)
    context = {"ticket": ticket, "customer_name": _customer_name(customer, language),
               "mailbox_name": mailbox.name if mailbox else "", "token": ticket_token(ticket.pk)}
    text, html = render_email("ack", language, context)
    return _create(ticket=ticket, mailbox=mailbox, kind=OutboundEmail.Kind.ACK,
                   to_address=to_address,
                   subject=_subject_with_token(ticket.subject, ticket.pk, reply=True),
                   body_text=text, body_html=html, language=language,
                   message_id=new_message_id(ticket.pk, sender_address(mailbox)),
                   in_reply_to=in_reply_to, references=references)


def queue_notification(*, to_address: str, subject: str, body: str, ticket: Ticket | None = None,
                       language: str | None = None, mailbox: Mailbox | None = None,
                       ticket_message: Message | None = None) -> OutboundEmail | None:
    """A notification (a status change, a reminder…): ``subject`` and ``body`` are already
    in ``language`` (default: the ticket's customer's); the template frames them. With a
    ticket, the subject carries its token and the e-mail threads into the conversation.
    With ``ticket_message``, once per message (like replies)."""
    if not to_address:
        return None
    if ticket_message is not None:
        existing = OutboundEmail.objects.filter(ticket_message=ticket_message,
                                                kind=OutboundEmail.Kind.NOTIFICATION).first()
        if existing is not None:
            return existing
    customer = ticket.customer if ticket is not None else None
    language = email_language(language or (customer.language if customer else None))
    inbound = _inbound_of(ticket) if ticket is not None else []
    if mailbox is None and ticket is not None:
        mailbox = _ticket_mailbox(ticket, inbound)
    in_reply_to, references = thread_headers(ticket, inbound) if ticket is not None else ("", "")
    context = {"ticket": ticket, "customer_name": _customer_name(customer, language) if customer
               else "", "body": body, "mailbox_name": mailbox.name if mailbox else "",
               "token": ticket_token(ticket.pk) if ticket is not None else ""}
    text, html = render_email("notification", language, context)
    return _create(ticket=ticket, ticket_message=ticket_message, mailbox=mailbox,
                   kind=OutboundEmail.Kind.NOTIFICATION, to_address=to_address,
                   subject=_subject_with_token(subject, ticket.pk if ticket else None, reply=False),
                   body_text=text, body_html=html, language=language,
                   message_id=new_message_id(ticket.pk if ticket else None,
                                             sender_address(mailbox)),
                   in_reply_to=in_reply_to, references=references)


def queue_rendered(*, to_address: str, subject: str, body_text: str, body_html: str,
                   language: str) -> OutboundEmail | None:
    """An e-mail about no ticket whose text and HTML the caller has rendered (the weekly
    report): queued as a notification, sent after the commit with the same retries and
    delivery states as every other. No address, no e-mail (None)."""
    if not to_address:
        return None
    return _create(ticket=None, ticket_message=None, mailbox=None,
                   kind=OutboundEmail.Kind.NOTIFICATION, to_address=to_address,
                   subject=subject, body_text=body_text, body_html=body_html,
                   language=email_language(language),
                   message_id=new_message_id(None, sender_address(None)),
                   in_reply_to="", references="")


def queue_survey_invitation(*, ticket: Ticket, url: str, to_address: str | None = None,
                            language: str | None = None) -> OutboundEmail | None:
    """Invite the ticket's customer to a survey at ``url``: only with an address and their
    consent to e-mail, or when the ticket came in by e-mail. Once per ticket."""
    customer = ticket.customer
    if ticket.channel != "email" and not customer.consent_email:
        return None
    existing = OutboundEmail.objects.filter(ticket=ticket, kind=OutboundEmail.Kind.SURVEY).first()
    if existing is not None:
        return existing
    inbound = _inbound_of(ticket) if ticket.channel == "email" else []
    to_address = to_address or next((row.from_address for row in inbound if row.from_address),
                                    "") or customer.email
    if not to_address:
        return None
    language = email_language(language or customer.language)
    mailbox = _ticket_mailbox(ticket, inbound)
    in_reply_to, references = thread_headers(ticket, inbound)
    context = {"ticket": ticket, "customer_name": _customer_name(customer, language),
               "url": url, "mailbox_name": mailbox.name if mailbox else "",
               "token": ticket_token(ticket.pk)}
    text, html = render_email("survey", language, context)
    with translation.override(language):
        from django.utils.translation import gettext

        subject = gettext("How did we do? %(subject)s") % {"subject": ticket.subject}
    return _create(ticket=ticket, mailbox=mailbox, kind=OutboundEmail.Kind.SURVEY,
                   to_address=to_address, subject=_subject_with_token(subject, ticket.pk, reply=False),
                   body_text=text, body_html=html, language=language,
                   message_id=new_message_id(ticket.pk, sender_address(mailbox)),
                   in_reply_to=in_reply_to, references=references)


# --- reads --------------------------------------------------------------------------------

def outbound_get_for(user, outbound_id) -> OutboundEmail:
    """An outgoing e-mail if the user may see its ticket (staff); otherwise 404. E-mail
    without a ticket only for admins."""
    from django.utils.translation import gettext as _

    from kefu.accounts.models import Role
    from kefu.core.errors import NotFound
    from kefu.core.pagination import valid_id
    from kefu.tickets.access import ticket_get_for

    if isinstance(outbound_id, str) and outbound_id.isdigit():
        outbound_id = int(outbound_id)
    row = None
    if valid_id(outbound_id) and user.is_staff_member:
        row = OutboundEmail.objects.filter(pk=outbound_id).first()
    if row is None or (row.ticket_id is None and user.role != Role.ADMIN):
        raise NotFound(_("E-mail"), outbound_id)
    if row.ticket_id is not None:
        row.ticket = ticket_get_for(user, row.ticket_id)
    return row


def ticket_emails(ticket: Ticket):
    """The ticket's outgoing e-mail, newest first (a queryset: page it)."""
    return OutboundEmail.objects.filter(ticket_id=ticket.pk).defer("body_text", "body_html")
