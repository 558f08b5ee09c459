"""API endpoints for recovery (being written)."""

from ninja import Router

router = Router(tags=["recovery"])
