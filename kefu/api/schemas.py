"""Shared API schema pieces."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class StrictIn(Schema):
    """Input bodies: exact types (no "5" for 5) and no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    details: dict | list


class UserRef(Schema):
    id: int
    username: str
    name: str


def user_ref(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.name}
