"""Console URLs of the knowledge base (mounted at the site root, namespace "knowledge")."""

from .views.console import urlpatterns as urlpatterns  # noqa: PLC0414

app_name = "knowledge"
