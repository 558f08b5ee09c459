"""Closed loop and impact: the word-of-mouth panel, the public supervision page (namespace
"quality", mounted at the site root). See kefu/analytics/views/quality.py and
docs/quality-loop.md."""

from .views.quality import urlpatterns as urlpatterns  # noqa: PLC0414

app_name = "quality"
