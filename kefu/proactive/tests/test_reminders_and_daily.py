"""Run-out reminders by e-mail (consent, opt-out, once per cycle) and the daily job."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kefu.conversations.models import OutboundEmail
from kefu.proactive import services
from kefu.proactive.models import CareTask, RunOutForecast
from kefu.proactive.reminders import send_run_out_reminders


@pytest.fixture
def due(company, rice, rice_household):
    rice.remind_customers = True
    rice.save()
    today = timezone.localdate()
    RunOutForecast.objects.create(customer=company.alice, product=rice, date=today + timedelta(days=2),
                                  low=today + timedelta(days=1), high=today + timedelta(days=4),
                                  rate_per_day=0.6, basis="x", last_purchase=date(2026, 4, 5),
                                  computed_at=timezone.now())
    return company


def test_reminders_need_consent_and_go_once(due):
    company = due
    assert send_run_out_reminders() == 0  # Alice has not agreed to e-mail
    company.alice.consent_email = True
    company.alice.save()
    assert send_run_out_reminders() == 1
    assert send_run_out_reminders() == 0
    mail = OutboundEmail.objects.get()
    assert mail.to_address == "alice@example.com" and "大米" in mail.subject


def test_opted_out_customers_get_no_reminder(due):
    company = due
    company.alice.consent_email = True
    company.alice.save()
    services.opt_out_set(actor=company.agent_east, customer=company.alice, opted_out=True)
    assert send_run_out_reminders() == 0 and not OutboundEmail.objects.exists()


def test_the_daily_job_scores_and_lists_idempotently(company, rice, rice_household):
    from kefu.cli import main
    from kefu.proactive.daily import run_daily

    today = date(2026, 4, 2)  # the fixture's last purchase was 2026-03-06: 20 kg for 4 people
    first = run_daily(today)
    assert first["scores"]["forecasts"] == 1
    # 20 kg lasted 30 days twice: the bag of 2026-03-06 runs out on 2026-04-05; the purchase
    # of 2026-04-05 (after "today") is not seen
    forecast = RunOutForecast.objects.get()
    assert (forecast.date, forecast.last_purchase) == (date(2026, 4, 5), date(2026, 3, 6))
    assert forecast.rate_per_day == pytest.approx(20 / 30)
    tasks = list(CareTask.objects.values_list("pk", "key"))
    assert any(key.startswith("run_out:") for _pk, key in tasks)
    assert main(["proactive", "care-lists", "--date", today.isoformat()]) == 0
    assert list(CareTask.objects.values_list("pk", "key")) == tasks


def test_a_level_reading_moves_the_forecast(company, rice, rice_household):
    from kefu.proactive.scoring import forecast_run_outs

    # given 10 kg left in the bin on 2026-03-26, twenty days after the last bag
    services.consumption_record(actor=company.agent_east, customer=company.alice, product=rice,
                                day="2026-03-26", quantity="10")
    # when the forecast is made on 2026-04-02
    assert forecast_run_outs(date(2026, 4, 2)) == 1
    # then it runs out 15 days (10 kg at 2/3 kg a day) after the reading, not on 04-05
    forecast = RunOutForecast.objects.get()
    assert forecast.date == date(2026, 4, 10) and forecast.basis == "history+level"
