"""The workflow's /api/v1 endpoints, one router per feature, mounted by kefu.api.app."""

from ninja import Router

from .automation import router as automation_router
from .complaint import router as complaint_router
from .handoff import router as handoff_router
from .recovery import router as recovery_router
from .sla import router as sla_router

router = Router()
for sub in (sla_router, handoff_router, complaint_router, recovery_router, automation_router):
    router.add_router("", sub)
