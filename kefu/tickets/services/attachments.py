"""Attachments: size limit, content sniffed from the bytes, file removed if the row fails."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import require_writer
from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, PermissionDenied

from ..models import Attachment, Message, Ticket, TicketEvent
from ._common import _lock, _require_open_for_change, _save

ALLOWED_CONTENT_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
    "text/plain", "text/csv", "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword", "application/vnd.ms-excel", "audio/mpeg", "audio/x-wav",
}
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff_content_type(head: bytes, declared: str) -> str | None:
    """The content type the bytes really are, or None when they are not an allowed type."""
    import filetype

    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        if mime == "application/zip" and declared in OFFICE_TYPES:
            return declared  # .docx/.xlsx are zip containers
        if mime in {"application/x-ole-storage", "application/x-cfb"} and declared in {
                "application/msword", "application/vnd.ms-excel"}:
            return declared
        return mime if mime in ALLOWED_CONTENT_TYPES else None
    if declared in {"text/plain", "text/csv"} or not declared:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                head[:-3].decode("utf-8")  # a multi-byte character cut at the sniff boundary
            except UnicodeDecodeError:
                return None
        return declared or "text/plain"
    return None


def checked_upload(upload) -> tuple[str, str, int]:
    """An uploaded file's safe name, real content type (sniffed from its bytes) and size —
    or an ApplicationError: too large (``KEFU_MAX_ATTACHMENT_BYTES``, 413), empty, or of a
    type not accepted (415). Leaves the upload at its start."""
    size = upload.size or 0
    if size > settings.MAX_ATTACHMENT_BYTES:
        raise ApplicationError("attachment_too_large",
                               _("The file is larger than %(mb).1f MB.")
                               % {"mb": settings.MAX_ATTACHMENT_BYTES / 1024 / 1024},
                               details={"max_bytes": settings.MAX_ATTACHMENT_BYTES, "size": size},
                               status=413)
    if size == 0:
        raise ApplicationError("attachment_empty", _("The file is empty."))
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    head = upload.read(8192)
    upload.seek(0)
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    real = sniff_content_type(head, declared)
    if real is None:
        raise ApplicationError("attachment_type", _("This type of file is not accepted."),
                               details={"declared": declared, "allowed": sorted(ALLOWED_CONTENT_TYPES)},
                               status=415)
    return name, real, size


@transaction.atomic
def attachment_add(*, ticket: Ticket, actor: User, upload, internal: bool = False,
                   message: Message | None = None) -> Attachment:
    require_writer(actor)
    if actor.role == Role.CUSTOMER and internal:
        raise PermissionDenied()
    name, real, size = checked_upload(upload)
    _lock(ticket)
    _require_open_for_change(ticket)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    now = timezone.now()
    attachment = Attachment(ticket=ticket, message=message, filename=name, content_type=real,
                            size=size, sha256=digest.hexdigest(), internal=internal,
                            uploaded_by=actor)
    attachment.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            TicketEvent.objects.create(ticket=ticket, actor=actor, kind="attachment",
                                       created_at=now,
                                       data={"attachment": attachment.pk, "filename": name,
                                             "size": size})
            _save(ticket, now)
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_store_from_channel(*, ticket: Ticket, message: Message | None, filename: str,
                                  data: bytes, content_type: str, channel: str,
                                  **details) -> Attachment:
    """A customer's file that came through a channel (e-mail, chat) and was already checked
    by it (size, type sniffed from the bytes): the stored file, its row and an "attachment"
    event without an actor, in the caller's transaction. If that transaction rolls back the
    caller deletes ``attachment.file`` (the row goes, the file would stay)."""
    attachment = Attachment(ticket=ticket, message=message, filename=filename,
                            content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), internal=False,
                            uploaded_by=None)
    attachment.file.save(filename, ContentFile(data), save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    TicketEvent.objects.create(ticket=ticket, actor=None, kind="attachment",
                               created_at=timezone.now(),
                               data={"attachment": attachment.pk, "filename": filename,
                                     "size": len(data), "channel": channel, **details})
    return attachment


#: How many uploaded files one reply may carry.
MAX_FILES_PER_MESSAGE = 20


def attachments_link_to_message(*, ticket: Ticket, actor: User, message: Message,
                                attachment_ids: list[int]) -> list[Attachment]:
    """Files uploaded on their own (``POST …/attachments``) joined to a reply or note, in
    the caller's transaction, so that they go out with its e-mail. Each must be on this
    ticket, uploaded by ``actor``, not yet part of a message, and as internal as the
    message (an internal file never rides on a public reply). Anything else refuses the
    whole list — nothing is linked — naming the ids."""
    wanted = list(dict.fromkeys(attachment_ids))
    if not wanted:
        return []
    if len(wanted) > MAX_FILES_PER_MESSAGE:
        raise ApplicationError("too_many_attachments",
                               _("A message can carry at most %(n)d files.")
                               % {"n": MAX_FILES_PER_MESSAGE},
                               details={"max": MAX_FILES_PER_MESSAGE})
    internal = message.visibility != "public"
    rows = {a.pk: a for a in Attachment.objects.select_for_update().filter(
        pk__in=wanted, ticket=ticket, uploaded_by=actor, message__isnull=True,
        internal=internal)}
    refused = [pk for pk in wanted if pk not in rows]
    if refused:
        raise ApplicationError(
            "attachment_not_linkable",
            _("These files cannot go with this message: they are not files you uploaded to "
              "this ticket, they already belong to a message, or they are internal while the "
              "message is public (or the other way round)."),
            details={"attachment_ids": refused})
    Attachment.objects.filter(pk__in=wanted).update(message=message)
    TicketEvent.objects.create(ticket=ticket, actor=actor, kind="attachments_linked",
                               created_at=timezone.now(),
                               data={"message": message.pk, "attachments": wanted,
                                     "filenames": [rows[pk].filename for pk in wanted]})
    linked = [rows[pk] for pk in wanted]
    for a in linked:
        a.message = message
    return linked
