"""The help centre, mounted at /portal/help/ (namespace "help")."""

from .views.help import urlpatterns as urlpatterns  # noqa: PLC0414

app_name = "help"
