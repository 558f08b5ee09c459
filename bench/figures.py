"""What the bench measures: one Figure per line of the report, with its target if it has one."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

COMMON_WORD = "大米"  # in 2 of the 16 demo subjects: a search that finds rows quickly
NO_MATCH = "bench-no-such-subject"  # worst case: the scan reads every visible ticket


@dataclass(frozen=True)
class Target:
    metric: str  # "rps" or "p50_ms"
    op: str  # ">=" or "<="
    value: float

    def met(self, measured: float) -> bool:
        return measured >= self.value if self.op == ">=" else measured <= self.value

    def __str__(self) -> str:
        name = {"rps": "req/s", "p50_ms": "p50"}[self.metric]
        unit = " ms" if self.metric.endswith("_ms") else ""
        return f"{name} {'≥' if self.op == '>=' else '≤'} {self.value:g}{unit}"


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    connections: int
    script: str = "get.lua"
    auth: str = "token"  # "token" (API), "session" (console) or "none"
    target: Target | None = None
    reference: bool = False  # a yardstick, not a product path

    def paths(self, ticket_ids: list[int]) -> list[str]:
        q = urllib.parse.quote
        return {
            "inbox": ["/api/v1/tickets?status=open&limit=25"],
            "search": [f"/api/v1/tickets?q={q(COMMON_WORD)}&limit=25"],
            "search_miss": [f"/api/v1/tickets?q={q(NO_MATCH)}&limit=25"],
            "ticket_api": [f"/api/v1/tickets/{i}" for i in ticket_ids],
            "ticket_html": [f"/tickets/{i}/" for i in ticket_ids],
            "dashboard": ["/inbox/"],
            "floor": ["/healthz"],
        }.get(self.name, ["/api/v1/tickets"])


FIGURES = [
    Figure("create", "ticket create, POST /api/v1/tickets", 16, script="post_ticket.lua",
           target=Target("rps", ">=", 550)),
    Figure("inbox", "inbox list, 25 open rows, GET /api/v1/tickets?status=open", 4,
           target=Target("p50_ms", "<=", 10)),
    Figure("search", f"ticket search, common word ?q={COMMON_WORD}", 4),
    Figure("search_miss", "ticket search, no match (scans every visible ticket)", 4),
    Figure("ticket_api", "ticket page, API GET /api/v1/tickets/<id>", 4,
           target=Target("p50_ms", "<=", 20)),
    Figure("ticket_html", "ticket page, console /tickets/<id>/", 4, auth="session",
           target=Target("p50_ms", "<=", 20)),
    Figure("dashboard", "dashboard stand-in: console inbox /inbox/", 4, auth="session"),
    # Not a product path: the cheapest Django request (middleware, one SELECT 1), i.e. the
    # most two sync workers can serve on this machine. Read the create target against it.
    Figure("floor", "floor: GET /healthz (middleware + SELECT 1)", 16, auth="none",
           reference=True),
]
NAMES = ["commit", *(f.name for f in FIGURES)]
