"""Automation rules, pure (no ORM): the shape of conditions and actions an admin may write,
validation with clear messages, and condition matching against a ticket's facts.

A rule: an event, conditions (all must hold) and actions (run in order)::

    conditions: [{"field": "priority", "op": "eq", "value": "urgent"},
                 {"field": "text", "op": "contains", "value": "退款"}]
    actions:    [{"type": "set_priority", "value": "high"},
                 {"type": "notify", "to": "supervisors"}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

#: field → what it compares: a single code, a list of codes, or text.
FIELDS = {
    "type": "code", "priority": "code", "status": "code", "channel": "code",
    "tier": "code", "team": "code", "category": "code", "owner": "code",
    "tags": "list", "subject": "text", "text": "text",
    "sentiment": "code", "anger": "bool",
}
OPS = {
    "code": {"eq", "ne", "in", "not_in"},
    "list": {"contains", "not_contains"},
    "text": {"contains", "not_contains"},
    "bool": {"eq"},
}
PRIORITIES = ("low", "normal", "high", "urgent")
TYPES = ("inquiry", "request", "complaint", "praise", "internal")
NOTIFY_TARGETS = ("owner", "assignee", "supervisors", "team")
#: action type → required keys (besides "type") and the check of each.
ACTIONS = {
    "assign": ("team_or_user",),
    "set_priority": ("value",),
    "set_type": ("value",),
    "add_tags": ("tags",),
    "add_note": ("text",),
    "notify": ("to",),
    "send_reply": ("text",),
    "webhook": ("url",),
}
MAX_ITEMS = 20
MAX_TEXT = 5000


class RuleError(ValueError):
    """A rule that cannot run; the message says which part and why (shown to the admin)."""


def validate_conditions(conditions: Any) -> list[dict]:
    if not isinstance(conditions, list) or len(conditions) > MAX_ITEMS:
        raise RuleError(f"conditions must be a list of at most {MAX_ITEMS} items")
    out = []
    for n, cond in enumerate(conditions, 1):
        if not isinstance(cond, Mapping) or set(cond) - {"field", "op", "value"}:
            raise RuleError(f"condition {n}: an object with field, op and value")
        field, op, value = cond.get("field"), cond.get("op"), cond.get("value")
        kind = FIELDS.get(field)
        if kind is None:
            raise RuleError(f"condition {n}: unknown field {field!r}; one of {', '.join(FIELDS)}")
        if op not in OPS[kind]:
            raise RuleError(f"condition {n}: {field} takes op {' / '.join(sorted(OPS[kind]))}")
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value) \
                    or not value or len(value) > 50:
                raise RuleError(f"condition {n}: value must be a list of 1–50 texts")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise RuleError(f"condition {n}: value must be true or false")
        elif not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise RuleError(f"condition {n}: value must be a text of 1–200 characters")
        out.append({"field": field, "op": op, "value": value})
    return out


def validate_actions(actions: Any) -> list[dict]:
    if not isinstance(actions, list) or not actions or len(actions) > MAX_ITEMS:
        raise RuleError(f"actions must be a list of 1–{MAX_ITEMS} items")
    out = []
    for n, action in enumerate(actions, 1):
        if not isinstance(action, Mapping) or action.get("type") not in ACTIONS:
            raise RuleError(f"action {n}: type must be one of {', '.join(ACTIONS)}")
        out.append(_validate_action(n, dict(action)))
    return out


def _validate_action(n: int, action: dict) -> dict:
    kind = action["type"]
    allowed = {"type", "value", "tags", "text", "to", "url", "team", "user", "internal"}
    if set(action) - allowed:
        raise RuleError(f"action {n}: unknown keys {', '.join(sorted(set(action) - allowed))}")
    if kind == "assign":
        if not any(isinstance(action.get(k), str) and action[k] for k in ("team", "user")):
            raise RuleError(f"action {n}: assign needs a team code and/or a user name")
    elif kind == "set_priority" and action.get("value") not in PRIORITIES:
        raise RuleError(f"action {n}: value must be one of {', '.join(PRIORITIES)}")
    elif kind == "set_type" and action.get("value") not in TYPES:
        raise RuleError(f"action {n}: value must be one of {', '.join(TYPES)}")
    elif kind == "add_tags":
        tags = action.get("tags")
        if not isinstance(tags, list) or not tags or len(tags) > 10 or not all(
                isinstance(t, str) and 0 < len(t.strip()) <= 60 for t in tags):
            raise RuleError(f"action {n}: tags must be a list of 1–10 tags of at most 60 characters")
    elif kind in ("add_note", "send_reply"):
        text = action.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise RuleError(f"action {n}: text must be 1–{MAX_TEXT} characters")
    elif kind == "notify":
        if action.get("to") not in NOTIFY_TARGETS:
            raise RuleError(f"action {n}: to must be one of {', '.join(NOTIFY_TARGETS)}")
    elif kind == "webhook":
        url = action.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
            raise RuleError(f"action {n}: url must be an http(s) address")
    return action


def matches(conditions: list[dict], facts: Mapping[str, Any]) -> bool:
    """Do all conditions hold for the ticket's facts? (text compares case-insensitively)"""
    return all(_holds(c, facts) for c in conditions)


def _holds(cond: dict, facts: Mapping[str, Any]) -> bool:
    field, op, value = cond["field"], cond["op"], cond["value"]
    actual = facts.get(field)
    kind = FIELDS[field]
    if kind == "code" or kind == "bool":
        if op == "eq":
            return actual == value
        if op == "ne":
            return actual != value
        if op == "in":
            return actual in value
        return actual not in value
    if kind == "list":
        found = value in (actual or ())
    else:
        found = value.casefold() in (actual or "").casefold()
    return found if op == "contains" else not found


def render(text: str, facts: Mapping[str, Any]) -> str:
    """Fill {customer}, {ticket} and {subject} in a templated reply or note."""
    out = text
    for key in ("customer", "ticket", "subject"):
        out = out.replace("{" + key + "}", str(facts.get(f"_{key}", "")))
    return out
