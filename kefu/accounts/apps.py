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
        # a change to a user or their teams: forget the signed-in users remembered here
        from django.db.models.signals import m2m_changed, post_save

        from kefu.core.middleware import forget_session_users

        post_save.connect(forget_session_users, sender=User, dispatch_uid="kefu-session-users")
        m2m_changed.connect(forget_session_users, sender=User.teams.through,
                            dispatch_uid="kefu-session-users-teams")
