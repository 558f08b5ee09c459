"""Shared API schema pieces."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict
from pydantic_core import to_json


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


def json_response(data, status: int = 200):
    """Answer already-shaped data without re-validating it through the response schema.

    The hot endpoints build their dicts field by field (``ticket_out``); pydantic
    re-validation of 25 nested rows costs more than the database work. The declared
    ``response=`` schema still documents the shape in OpenAPI, and tests check it.
    """
    from django.http import HttpResponse

    return HttpResponse(to_json(data), status=status, content_type="application/json; charset=utf-8")
