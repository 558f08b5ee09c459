from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    label = "tickets"

    def ready(self):
        from kefu.core.refcache import watch

        from . import selectors
        from .models import Category

        watch(Category, selectors.CATEGORIES)
