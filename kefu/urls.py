from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from kefu.api.app import api

admin.site.site_header = _("kefu 客服 — administration")
admin.site.site_title = _("kefu administration")

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("portal/surveys/", include("kefu.surveys.urls_portal")),
    path("portal/help/", include("kefu.knowledge.urls_help")),
    path("portal/", include("kefu.conversations.portal.urls")),
    path("", include("kefu.console.urls")),
    path("", include("kefu.conversations.urls")),
    path("", include("kefu.workflow.urls")),
    path("", include("kefu.surveys.urls")),
    path("", include("kefu.knowledge.urls")),
    path("", include("kefu.analytics.urls_dashboards")),
    path("", include("kefu.analytics.urls_quality")),
    path("", include("kefu.proactive.urls")),
]
