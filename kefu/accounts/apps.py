from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kefu.accounts"
    label = "accounts"

    def ready(self):
        from kefu.core.refcache import watch

        from . import lookups
        from .models import Team, User

        watch(Team, lookups.TEAMS)
        watch(User, lookups.PEOPLE)
