"""What a fresh installation needs to handle tickets to a standard: a business calendar and
a default SLA policy (the issue: "a default policy always exists"), and the complaint
playbook. Run by ``kefu migrate`` and ``kefu demo``; idempotent; never overwrites edits."""

from __future__ import annotations

from django.db import transaction

from .calendar import default_calendar_data
from .models import Calendar, SlaPolicy

#: 09:00–12:00 and 13:30–18:00 is 450 business minutes a day.
DEFAULT_FIRST_RESPONSE = 240  # half a working day
DEFAULT_RESOLUTION = 3 * 450  # three working days


@transaction.atomic
def ensure_defaults() -> list[str]:
    done = []
    calendar = Calendar.objects.filter(code="standard").first()
    if calendar is None:
        calendar = Calendar.objects.create(code="standard", name="标准工作日历",
                                           name_en="Standard business hours",
                                           data=default_calendar_data())
        done.append("business calendar 'standard'")
    if not SlaPolicy.objects.filter(is_default=True).exists():
        SlaPolicy.objects.create(name="默认服务时限", name_en="Default service level",
                                 is_default=True, order=1000, calendar=calendar,
                                 first_response_minutes=DEFAULT_FIRST_RESPONSE,
                                 resolution_minutes=DEFAULT_RESOLUTION)
        done.append("default SLA policy")
    try:
        from .playbook import playbook_ensure_defaults
    except ImportError:  # pragma: no cover - the playbook module ships with the app
        return done
    if playbook_ensure_defaults():
        done.append("complaint playbook")
    return done
