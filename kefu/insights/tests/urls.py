"""URLs for the API tests: the project's, plus the insights router on a test API while
kefu/api/app.py does not mount it yet (once it does, the project's URLs alone)."""

from django.urls import Resolver404, include, path, resolve


def _mounted() -> bool:
    try:
        resolve("/api/v1/insights/sentiment", urlconf="kefu.urls")
    except Resolver404:
        return False
    return True


if _mounted():
    urlpatterns = [path("", include("kefu.urls"))]
else:
    from ninja import NinjaAPI

    from kefu.api import errors
    from kefu.api.app import UnicodeJSONRenderer
    from kefu.api.auth import BearerToken
    from kefu.insights.api import router

    api = NinjaAPI(renderer=UnicodeJSONRenderer(), auth=BearerToken(),
                   urls_namespace="insights-test", docs_url=None)
    errors.install(api)
    api.add_router("", router)
    urlpatterns = [path("api/v1/", api.urls), path("", include("kefu.urls"))]
