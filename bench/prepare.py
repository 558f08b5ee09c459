"""Everything before the load: the database, the 1M-ticket demo, a token, a console session
and the ids the load scripts use. Django runs in this process only for reads and probes;
migrate, demo and token go through the ``kefu`` command like an operator would type them."""

from __future__ import annotations

import http.cookiejar
import os
import random
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "var" / "bench"
TARGET_TICKETS = 1_000_000
BENCH_SUBJECT = "压测工单 bench"  # every ticket the bench creates starts so (see lua/post_ticket.lua)
DEMO_USER = "agent"
DEMO_PASSWORD = "kefu-demo-2026"


def bench_env() -> dict[str, str]:
    """DATABASE_URL as given, else a SQLite file under the bench data dir (BENCH_DATA_DIR,
    default ./var/bench, kept apart from ./var so `make run` data is never touched)."""
    data_dir = Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'kefu-bench.sqlite3'}"
    return {"DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "kefu.settings"}


def db_label(url: str) -> str:
    scheme = urllib.parse.urlsplit(url).scheme
    return "sqlite" if scheme.startswith("sqlite") else "postgresql" if scheme.startswith(
        "postgres") else re.sub(r"[^a-z0-9]+", "-", scheme.lower()) or "db"


def kefu(*args: str, env: dict[str, str], capture: bool = False) -> str:
    out = subprocess.run([sys.executable, "-m", "kefu.cli", *args], env={**os.environ, **env},
                         check=True, text=True, stdout=subprocess.PIPE if capture else None)
    return out.stdout if capture else ""


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def ticket_count() -> int:
    from kefu.tickets.models import Ticket

    return Ticket.objects.count()


def remove_bench_tickets() -> int:
    """Delete the tickets earlier create runs made, so every figure sees the same 1,000,000
    demo tickets (otherwise each run piles thousands of fresh open tickets on top of the
    agent's inbox, and searches have to step over them)."""
    from django.db import connection

    from kefu.tickets.models import Ticket

    count, per_model = Ticket.objects.filter(subject__startswith=BENCH_SUBJECT).delete()
    removed = per_model.get(Ticket._meta.label, 0)
    if removed and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {Ticket._meta.db_table}")
    connection.close()
    return removed


@dataclass
class Fixtures:
    token: str
    customer_ids: list[int]
    ticket_ids: list[int]
    session_cookie: str = ""
    notes: list[str] = field(default_factory=list)


def fixtures(env: dict[str, str], *, tickets: int = 200, customers: int = 50) -> Fixtures:
    """A fresh API token for the demo agent, customers they serve, tickets they may open."""
    from django.db.models import Max, Min

    from kefu.accounts.models import User
    from kefu.customers.access import customers_for
    from kefu.tickets.access import tickets_for
    from kefu.tickets.models import Ticket

    agent = User.objects.get(username=DEMO_USER)
    token = kefu("token", "create", "--user", DEMO_USER, "--name", "bench", env=env,
                 capture=True).strip()
    customer_ids = list(customers_for(agent).order_by("pk").values_list("pk", flat=True)[:customers])
    bounds = Ticket.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    rng = random.Random(20261123)
    found: set[int] = set()
    for _attempt in range(50):
        if len(found) >= tickets:
            break
        sample = [rng.randint(bounds["lo"], bounds["hi"]) for _i in range(2000)]
        found |= set(tickets_for(agent).filter(pk__in=sample).values_list("pk", flat=True))
    ticket_ids = sorted(found)[:tickets]
    rng.shuffle(ticket_ids)
    return Fixtures(token=token, customer_ids=customer_ids, ticket_ids=ticket_ids)


def console_login(base: str) -> str:
    """Sign in through /login/ (CSRF cookie, then the form) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/login/", timeout=30) as resp:
        page = resp.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on /login/")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1), "username": DEMO_USER,
                                   "password": DEMO_PASSWORD, "next": "/inbox/"}).encode()
    request = urllib.request.Request(f"{base}/login/", data=form,
                                     headers={"Referer": f"{base}/login/"})
    with opener.open(request, timeout=30) as resp:
        resp.read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"console sign-in as {DEMO_USER} failed (no session cookie)")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())
