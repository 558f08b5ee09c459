"""API endpoints for sla (being written)."""

from ninja import Router

router = Router(tags=["sla"])
