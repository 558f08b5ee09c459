"""The daily proactive run: refit and re-score, build every agent's care list, remind
customers before they run out. Safe to run again the same day (nothing is duplicated)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def run_daily(today: date | None = None, *, score: bool = True, remind: bool = True) -> dict:
    from .carelist import build_care_lists
    from .reminders import send_run_out_reminders
    from .scoring import score_customers

    today = today or timezone.localdate()
    result: dict = {"date": today.isoformat()}
    if score:
        result["scores"] = score_customers(today)
    result["tasks"] = build_care_lists(today)
    if remind:
        result["reminders"] = send_run_out_reminders(today)
    return result
