"""The files of an agent's e-mailed reply: the attachments stored with the reply's message
(not internal) go out with it as MIME attachments — names in any language, RFC 2231-encoded
(``filename*=utf-8''…`` on Content-Disposition, ``name*=`` on Content-Type), text in UTF-8 —
as long as together they stay within ``KEFU_MAX_OUTBOUND_ATTACHMENT_BYTES``. Above it none is attached: the e-mail
lists them with links to the customer portal and says why.

Decided when the e-mail is built (``sending.build``), so files stored in the reply's
transaction are there; what went out is recorded on the row (``OutboundEmail.files``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from kefu.tickets.models import Attachment

from .models import OutboundEmail

log = logging.getLogger("kefu.email")

ATTACHED, LINKED = "attached", "linked"
#: Where conversations/email/base.html wants the note about linked files.
FILES_MARK = "<!--kefu:files-->"


def attach_all(sizes: list[int], limit: int) -> bool:
    """Whether files of these sizes go out attached (all of them) rather than as links:
    together within ``limit`` bytes (before encoding; base64 adds a third)."""
    return sum(sizes) <= limit


@dataclass
class FilePlan:
    attached: list[Attachment] = field(default_factory=list)
    linked: list[Attachment] = field(default_factory=list)
    missing: list[Attachment] = field(default_factory=list)
    data: dict[int, bytes] = field(default_factory=dict)

    def summary(self) -> list[dict]:
        out = []
        for how, rows in ((ATTACHED, self.attached), (LINKED, self.linked),
                          ("missing", self.missing)):
            out += [{"id": a.pk, "filename": a.filename, "size": a.size, "how": how}
                    for a in rows]
        return sorted(out, key=lambda item: item["id"])


def reply_attachments(row: OutboundEmail) -> list[Attachment]:
    """The files stored with the reply this e-mail carries (customers see them: not
    internal)."""
    if row.kind != OutboundEmail.Kind.REPLY or row.ticket_message_id is None:
        return []
    return list(Attachment.objects.filter(message_id=row.ticket_message_id, internal=False)
                .order_by("pk"))


def plan_files(row: OutboundEmail) -> FilePlan:
    """Which files go out attached and which as links (their bytes read for the first)."""
    plan = FilePlan()
    files = reply_attachments(row)
    if not files:
        return plan
    if not attach_all([a.size for a in files], settings.MAX_OUTBOUND_ATTACHMENT_BYTES):
        plan.linked = files
        return plan
    for attachment in files:
        try:
            with attachment.file.open("rb") as handle:
                plan.data[attachment.pk] = handle.read()
        except (OSError, ValueError) as exc:  # the stored file is gone: the rest still go
            log.warning("e-mail %s: attachment %s (%s) cannot be read: %s", row.pk,
                        attachment.pk, attachment.filename, exc)
            plan.missing.append(attachment)
            continue
        plan.attached.append(attachment)
    return plan


def add_attachments(msg: EmailMessage, plan: FilePlan) -> None:
    for attachment in plan.attached:
        maintype, _sep, subtype = (attachment.content_type or "").partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        data = plan.data[attachment.pk]
        params = {}
        if maintype == "text":  # stored text was checked to be UTF-8 (sniff_content_type)
            params["charset"] = "utf-8"
        msg.add_attachment(data, maintype=maintype, subtype=subtype,
                           filename=attachment.filename, params=params)
        # the name on Content-Type too (some clients read only that), RFC 2231-encoded as well
        msg.get_payload()[-1].set_param("name", attachment.filename)


def portal_link(attachment: Attachment) -> str:
    """Where the customer downloads the file (signed in to the portal); "" without
    ``KEFU_PUBLIC_URL`` (an e-mail has no request to take the host from)."""
    base = (getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        return ""
    return base + reverse("portal:attachment", args=[attachment.ticket_id, attachment.pk])


def with_links(row: OutboundEmail, plan: FilePlan, text: str, html: str) -> tuple[str, str]:
    """The bodies with a note listing the files too large to attach, and their links."""
    items = [{"name": a.filename, "size": a.size, "url": portal_link(a)} for a in plan.linked]
    context = {"files": items, "total": sum(a.size for a in plan.linked),
               "limit": settings.MAX_OUTBOUND_ATTACHMENT_BYTES,
               "ticket_id": row.ticket_id, "portal_url": _portal_home()}
    with translation.override(row.language or settings.LANGUAGE_CODE):
        note_text = render_to_string("conversations/email/files_linked.txt", context).strip()
        note_html = render_to_string("conversations/email/files_linked.html", context).strip()
    head, sep, tail = text.rpartition("\n--\n")
    text = f"{head}\n\n{note_text}\n{sep}{tail}" if sep else f"{text.rstrip()}\n\n{note_text}\n"
    if html:  # where the template marks it (above the footer), else at the end
        at = html.find(FILES_MARK)
        at = at if at >= 0 else html.rfind("</body>")
        html = f"{html[:at]}{note_html}\n{html[at:]}" if at >= 0 else f"{html}\n{note_html}"
    return text, html


def _portal_home() -> str:
    base = (getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    return base + reverse("portal:home") if base else ""
