"""The workflow panels on the console's ticket page (SLA, complaint steps, hand-offs,
service recovery, emotion). Each panel is a function ``panel(request, ticket)`` that
returns ``(template name, context)`` or ``(template name, context, "main")`` or ``None``
when it does not apply; the ticket page includes them in this order (in the side column,
or under the conversation for "main"), so a feature adds a panel without touching the page.
A panel's template sees its context as ``panel`` (and the page's ``ticket``, ``request``)."""

from __future__ import annotations

from django.utils.module_loading import import_string

PANELS = (
    "kefu.workflow.views.sla.panel",
    "kefu.workflow.views.handoff.panel",
    "kefu.workflow.views.complaint.panel",
    "kefu.workflow.views.recovery.panel",
)


def ticket_panels(request, ticket) -> list[dict]:
    panels = []
    for path in PANELS:
        found = import_string(path)(request, ticket)
        if found is not None:
            template, context, *column = found
            panels.append({"template": template, "context": context,
                           "column": column[0] if column else "side"})
    return panels
