"""The public answering page (/s/…) and the console's survey pages (/surveys/…), mounted at
the site root (namespace "surveys")."""

from .views import urlpatterns as urlpatterns  # noqa: PLC0414

app_name = "surveys"
