"""The dashboard filter: parsing query parameters (bad input refused with the field named),
the default period, the viewer's scope by role."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.analytics.selectors.filters import (
    DashboardFilter,
    add_months,
    dashboard_scope,
    filter_for,
    months_between,
)
from kefu.core.errors import ApplicationError, PermissionDenied


def test_months_arithmetic():
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert months_between(date(2025, 11, 1), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_filter_needs_whole_months():
    with pytest.raises(ValueError):
        DashboardFilter(start=date(2026, 1, 2), end=date(2026, 2, 1))


def test_bounds_are_in_the_business_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    lo, hi = DashboardFilter(start=date(2026, 1, 1), end=date(2026, 2, 1)).bounds()
    assert lo.isoformat() == "2026-01-01T00:00:00+08:00"
    assert hi.isoformat() == "2026-03-01T00:00:00+08:00"


def test_parse_and_defaults(company):
    f = filter_for(company.admin, {"start": "2026-01", "end": "2026-03", "branch": "7",
                                   "channel": "phone", "min_n": "10"})
    assert (f.start, f.end, f.branch, f.channel, f.min_n) == (
        date(2026, 1, 1), date(2026, 3, 1), 7, "phone", 10)
    assert f.params() == {"start": "2026-01", "end": "2026-03", "branch": "7",
                          "channel": "phone"}
    default = filter_for(company.admin, {})
    assert len(default.months) == 12 and default.scope.everything


@pytest.mark.parametrize("params, field", [
    ({"start": "2026-00"}, "start"), ({"end": "26-01"}, "end"), ({"start": "２０２６-01"}, "start"),
    ({"team": "abc"}, "team"), ({"team": "１２"}, "team"), ({"tier": "0"}, "tier"), ({"agent": "9" * 13}, "agent"),
    ({"channel": "fax"}, "channel"), ({"min_n": "-3"}, "min_n"),
    ({"start": "2026-04", "end": "2026-03"}, "start"),
])
def test_bad_input_names_the_field(company, params, field):
    with pytest.raises(ApplicationError) as caught:
        filter_for(company.admin, params)
    assert caught.value.details["field"] == field and caught.value.status == 400


def test_scope_by_role(company):
    assert dashboard_scope(company.admin).everything
    assert dashboard_scope(company.auditor).everything
    east = dashboard_scope(company.supervisor_east)
    assert east.branches == {company.east.pk} and east.teams == {company.east_team.pk}
    for user in (company.agent_east, company.agent_hq, company.customer_user):
        with pytest.raises(PermissionDenied):
            dashboard_scope(user)
    company.supervisor_east.branch = None  # head office
    assert dashboard_scope(company.supervisor_east).everything
