"""API endpoints for complaint (being written)."""

from ninja import Router

router = Router(tags=["complaint"])
