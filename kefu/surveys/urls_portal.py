"""The customer portal's survey pages, mounted at /portal/surveys/ (namespace
"portal_surveys")."""

from .views import portal_urlpatterns as urlpatterns  # noqa: F401

app_name = "portal_surveys"
