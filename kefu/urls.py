from django.urls import include, path

from kefu.api.app import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("kefu.console.urls")),
]
