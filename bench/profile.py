"""``python -m bench.profile NAME [-n N]``: where one figure's request spends its CPU.

Runs the figure's request N times in this process through Django's full handler (all
middleware, the real database from DATABASE_URL, default the bench's SQLite) under cProfile
and prints the functions with the most time. Use it to decide what to change; judge the
change with ``python -m bench`` (wall time under load), not with this."""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time

from . import prepare
from .probes import CREATE_BODY

PATHS = {
    "create": ("POST", "/api/v1/tickets", False),
    "inbox": ("GET", "/api/v1/tickets?status=open&limit=25", False),
    "ticket_api": ("GET", "/api/v1/tickets/{ticket}", False),
    "ticket_html": ("GET", "/tickets/{ticket}/", True),
    "dashboard": ("GET", "/inbox/", True),
    "floor": ("GET", "/healthz", False),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("name", choices=sorted(PATHS))
    parser.add_argument("-n", type=int, default=300, help="requests (default 300)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    args = parser.parse_args(argv)

    env = prepare.bench_env()
    prepare.setup_django(env)
    from django.test import Client

    from kefu.accounts.models import User

    fx = prepare.fixtures(env, tickets=20, customers=5)
    method, path, console = PATHS[args.name]
    client = Client()
    headers = {} if console else {"HTTP_AUTHORIZATION": f"Bearer {fx.token}"}
    if console:
        client.force_login(User.objects.get(username=prepare.DEMO_USER))
    body = dict(CREATE_BODY, customer_id=fx.customer_ids[0])

    def call(i: int):
        url = path.format(ticket=fx.ticket_ids[i % len(fx.ticket_ids)])
        if method == "POST":
            response = client.post(url, data=json.dumps(body), content_type="application/json",
                                   **headers)
        else:
            response = client.get(url, **headers)
        assert response.status_code < 300, (response.status_code, response.content[:300])

    for i in range(20):
        call(i)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(args.n):
        call(i)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.name}: {args.n} requests, {elapsed / args.n * 1000:.2f} ms each under cProfile")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    if args.name == "create":
        prepare.remove_bench_tickets()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
