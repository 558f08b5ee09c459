"""The /api/v1 NinjaAPI object: auth, error shape and the domain routers."""

from __future__ import annotations

from ninja import NinjaAPI, Router, Schema
from ninja.renderers import JSONRenderer

from kefu.accounts.models import Team
from kefu.analytics.api import router as analytics_router
from kefu.conversations.api_chat import router as chat_router
from kefu.conversations.api_contacts import router as contacts_router
from kefu.conversations.api_email import router as email_router
from kefu.core.errors import PermissionDenied
from kefu.customers.api import router as customers_router
from kefu.customers.models import Tier
from kefu.insights.api import router as insights_router
from kefu.knowledge.api import router as knowledge_router
from kefu.proactive.api import router as proactive_router
from kefu.surveys.api import router as surveys_router
from kefu.tickets.api import router as tickets_router
from kefu.tickets.models import Category
from kefu.workflow.api import router as workflow_router

from . import errors
from .auth import BearerToken
from .schemas import user_ref


class UnicodeJSONRenderer(JSONRenderer):
    """Chinese text stays readable in responses (no \\uXXXX escapes)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="kefu API",
    version="1.0",
    description="kefu (客服) REST API. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `kefu token create --user NAME`). Every list answers "
    '`{"items": [...], "next": <cursor or null>}`; every error answers '
    '`{"code", "message", "details"}`.',
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
)
errors.install(api)

meta = Router(tags=["meta"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    language: str
    time_zone: str
    customer_id: int | None


@meta.get("/me", response=MeOut)
def me(request):
    user = request.auth
    customer = getattr(user, "customer", None) if user.role == "customer" else None
    return {**user_ref(user), "role": user.role, "language": user.language,
            "time_zone": user.time_zone, "customer_id": customer.pk if customer else None}


@meta.get("/teams")
def teams(request):
    """Staff only: the organisation's teams."""
    if request.auth.role == "customer":
        raise PermissionDenied()
    return {"items": [{"id": t.pk, "code": t.code, "name": t.label,
                       "branch": t.branch.code if t.branch_id else None}
                      for t in Team.objects.select_related("branch")], "next": None}


@meta.get("/tiers")
def tiers(request):
    return {"items": [{"code": t.code, "name": t.label, "rank": t.rank} for t in Tier.objects.all()],
            "next": None}


@meta.get("/categories")
def categories(request):
    return {"items": [{"id": c.pk, "code": c.code, "name": c.label, "parent_id": c.parent_id}
                      for c in Category.objects.all()], "next": None}


api.add_router("", meta)
api.add_router("", contacts_router)  # before customers: /customers/lookup, not /customers/{id}
api.add_router("", customers_router)
api.add_router("", tickets_router)
api.add_router("", workflow_router)
api.add_router("", insights_router)
api.add_router("", surveys_router)
api.add_router("", analytics_router)
api.add_router("", knowledge_router)
api.add_router("", proactive_router)
api.add_router("", chat_router)
api.add_router("", email_router)
