"""API endpoints for handoff (being written)."""

from ninja import Router

router = Router(tags=["handoff"])
