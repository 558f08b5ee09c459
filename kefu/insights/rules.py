"""Pure rules (no ORM) for acting on sentiment: when a contact escalates, by how much, and
when the agent should see de-escalation phrases.

Thresholds (see docs/insights.md, "Integration"):

- ``ESCALATE_SCORE = -0.7``: a message scoring at or below it is *strongly negative*. On the
  dev set the score alone picks the stronger ~40% of negative messages ("网站老是打不开，
  很耽误事", "So unprofessional") and no neutral or positive one; with anger, ~48% of
  negative messages escalate. -0.6 would escalate ~63% of them: a supervisor alert for
  most ordinary complaints.
- ``anger``: any angry or abusive message escalates, whatever its score.
- ``ESCALATION_WINDOW``: a ticket escalates (priority up one step, supervisors alerted) at
  most once per 24 hours, however many upset messages arrive in that time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

ESCALATE_SCORE = -0.7
ESCALATION_WINDOW = timedelta(hours=24)
PRIORITY_STEPS = ("low", "normal", "high", "urgent")
#: How many of the latest scored texts count when deciding whether the customer is upset.
UPSET_LOOKBACK = 3
#: Channels where the customer types the ticket themselves; on the others (agent, phone,
#: counter, api) the words are a colleague's, unless the customer's own login created it.
CUSTOMER_CHANNELS = ("email", "portal", "web", "chat")


def is_customer_message(*, from_customer: bool, visibility: str) -> bool:
    """Only what the customer wrote and sent is scored: their public messages."""
    return bool(from_customer) and visibility == "public"


def is_customer_description(*, channel: str, created_by_id: int | None,
                            customer_user_id: int | None) -> bool:
    """Whether a ticket's subject and description are the customer's own words: it came in
    on a customer channel, or the customer's own login created it."""
    if channel in CUSTOMER_CHANNELS:
        return True
    return created_by_id is not None and created_by_id == customer_user_id


def should_escalate(score: float, anger: bool) -> bool:
    """A contact raises the priority and alerts a supervisor when it is angry or abusive, or
    strongly negative (score ≤ ESCALATE_SCORE)."""
    return bool(anger) or score <= ESCALATE_SCORE


def raised_priority(priority: str) -> str:
    """One step up; urgent stays urgent (and an unknown value is left alone)."""
    if priority not in PRIORITY_STEPS:
        return priority
    return PRIORITY_STEPS[min(PRIORITY_STEPS.index(priority) + 1, len(PRIORITY_STEPS) - 1)]


def is_upset(latest_first: Sequence[tuple[str, bool]]) -> bool:
    """Whether the agent should see de-escalation phrases, from the (label, anger) of the
    customer's scored texts, newest first: the newest is negative, or one of the last
    UPSET_LOOKBACK was angry and the customer has not turned positive since."""
    if not latest_first:
        return False
    newest_label, newest_anger = latest_first[0]
    if newest_label == "negative" or newest_anger:
        return True
    if newest_label == "positive":
        return False
    return any(anger for _label, anger in latest_first[:UPSET_LOOKBACK])
