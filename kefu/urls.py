from django.contrib import admin
from django.urls import include, path

from kefu.api.app import api

admin.site.site_header = "kefu 客服 — administration"
admin.site.site_title = "kefu admin"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("kefu.console.urls")),
]
