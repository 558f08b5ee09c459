from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "kefu.conversations"
    label = "conversations"

    def ready(self):
        from kefu.core.refcache import watch

        from .email import ingest
        from .models import Mailbox

        watch(Mailbox, ingest.MAILBOXES)
