"""Manager dashboards (service quality, scores, tickets), their drill-down lists and
exports, mounted at the site root (namespace "analytics"). See kefu/analytics/views/
dashboards.py and docs/dashboards.md."""

from .views.dashboards import urlpatterns as urlpatterns  # noqa: PLC0414

app_name = "analytics"
