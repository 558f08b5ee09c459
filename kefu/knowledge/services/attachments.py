"""Files and images of an article, checked like ticket attachments: the size limit
(``KEFU_MAX_ATTACHMENT_BYTES``) and the real type sniffed from the bytes
(``kefu.tickets.services.attachments.checked_upload``)."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import PermissionDenied
from kefu.tickets.services.attachments import checked_upload

from .. import rules
from ..models import Article, ArticleAttachment
from ._common import event, require_proposer


def attachment_add(*, actor, article: Article, upload) -> ArticleAttachment:
    require_proposer(actor)
    if not rules.is_editor(actor.role) and article.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the author or an editor may add files to this article."))
    name, real, size = checked_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    row = ArticleAttachment(article=article, filename=name, content_type=real, size=size,
                            sha256=digest.hexdigest(), uploaded_by=actor)
    row.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            row.save()
            event(article, actor, "file_added", timezone.now(), attachment=row.pk,
                  filename=name, size=size)
    except Exception:
        row.file.storage.delete(row.file.name)
        raise
    return row
