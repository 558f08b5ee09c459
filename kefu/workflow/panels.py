"""The workflow panels on the console's ticket page (SLA, hand-offs, complaint steps, service
recovery, emotion). Each panel is a function ``panel(request, ticket)`` that returns
``(template name, context)`` (or with a third item, the column: "side" or "main") or
``None`` when it does not apply. A feature adds a panel here without touching the page.

The SLA panel renders with the page (it reads the ticket row). The others load right after
the page, each from its own small request (htmx ``hx-trigger="load"``): the page an agent
opens stays fast however many panels there are, and a slow panel never holds it up."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Panel:
    name: str
    path: str
    lazy: bool = True
    #: where its placeholder goes before it loads: "side", "main", or "main for complaints"
    column: str = "side"

    def column_for(self, ticket) -> str:
        if self.column == "main for complaints":
            return "main" if ticket.type == "complaint" else "side"
        return self.column


PANELS = (
    Panel("sla", "kefu.workflow.views.sla.panel", lazy=False),
    Panel("handoff", "kefu.workflow.views.handoff.panel"),
    Panel("complaint", "kefu.workflow.views.complaint.panel", column="main for complaints"),
    Panel("recovery", "kefu.workflow.views.recovery.panel"),
    Panel("insights", "kefu.insights.panel.panel"),
    Panel("knowledge", "kefu.knowledge.panel.panel"),
    Panel("email", "kefu.conversations.views.panel"),
    Panel("proactive", "kefu.proactive.views.panel"),
    Panel("survey", "kefu.surveys.panel.panel"),
)
BY_NAME = {p.name: p for p in PANELS}


def render_panel(panel: Panel, request, ticket) -> dict | None:
    found = import_string(panel.path)(request, ticket)
    if found is None:
        return None
    template, context, *column = found
    return {"template": template, "context": context,
            "column": column[0] if column else panel.column_for(ticket)}


def ticket_panels(request, ticket) -> list[dict]:
    """What the ticket page puts in its columns: rendered panels, or placeholders that load."""
    out = []
    for panel in PANELS:
        if panel.lazy:
            out.append({"lazy": True, "name": panel.name, "column": panel.column_for(ticket),
                        "url": reverse("workflow:ticket_panel", args=[ticket.pk, panel.name])})
        else:
            rendered = render_panel(panel, request, ticket)
            if rendered is not None:
                out.append(rendered)
    return out
