"""The background pipeline for real: a job is queued by one process and run by a separate
huey consumer process (`kefu worker`), on SqliteHuey and, when KEFU_TEST_REDIS_URL is set,
on RedisHuey."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kefu.tickets import services
from kefu.tickets.models import Ticket

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env(redis_url: str | None) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=_database_url(), KEFU_HUEY_NAME=f"test-{uuid.uuid4().hex[:8]}",
               KEFU_HUEY_FILE=f"huey-{uuid.uuid4().hex[:8]}.sqlite3", KEFU_WORKERS="1")
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _kefu(*args, env):
    return subprocess.run([sys.executable, "-m", "kefu.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def _old_resolved_ticket(company, make_ticket) -> Ticket:
    ticket = make_ticket(company.agent_east, company.alice)
    services.ticket_transition(ticket=ticket, actor=company.agent_east, status="resolved")
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=30))
    return ticket


def _run_pipeline(company, make_ticket, redis_url):
    # given an old resolved ticket and a job queued by another process
    ticket = _old_resolved_ticket(company, make_ticket)
    env = _env(redis_url)
    queued = _kefu("jobs", "auto-close", "--enqueue", "--days", "7", env=env)
    assert queued.returncode == 0, queued.stderr
    # (nothing runs it yet: the job waits in the queue)
    time.sleep(0.5)
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    # when a real consumer process starts
    worker = subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            ticket.refresh_from_db()
            if ticket.status == "closed":
                break
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            output = worker.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0]
    # then the consumer ran the job and the ticket is closed, with its event
    assert ticket.status == "closed", output
    assert ticket.events.filter(kind="status", data__reason="auto_close").count() == 1


def test_sqlite_huey_consumer_runs_queued_job(company, make_ticket):
    _run_pipeline(company, make_ticket, redis_url=None)


def test_redis_huey_consumer_runs_queued_job(company, make_ticket):
    redis_url = os.environ.get("KEFU_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("KEFU_TEST_REDIS_URL not set: RedisHuey not tested")
    _run_pipeline(company, make_ticket, redis_url=redis_url)


def test_auto_close_is_a_registered_periodic_job():
    from huey.contrib.djhuey import HUEY

    from kefu.tickets.tasks import auto_close_resolved

    assert auto_close_resolved.task_class in HUEY._registry._periodic_tasks
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    assert auto_close_resolved.task_class().validate_datetime(now)
