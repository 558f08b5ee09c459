"""The ticket page's survey panel: a recovery ticket shows the response that opened it (the
instrument, the score, why, when) and a surveyed ticket the recovery ticket its survey
opened. ``EVENT_TEXTS`` gives the ticket timeline its sentences for the two events."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.tickets.access import tickets_for

from .models import RecoveryLink
from .models.instruments import DIMENSIONS


def _reason(link_or_data) -> str:
    get = (link_or_data.get if isinstance(link_or_data, dict)
           else lambda name, default=None: getattr(link_or_data, name, default))
    reason, score, threshold = get("reason"), get("score"), get("threshold")
    score = f"{score:g}" if isinstance(score, int | float) else score
    threshold = f"{threshold:g}" if isinstance(threshold, int | float) else threshold
    if reason == "low_csat":
        return _("satisfaction rating %(score)s (at most %(threshold)s opens a ticket)") % {
            "score": score, "threshold": threshold}
    if reason == "nps_detractor":
        return _("NPS score %(score)s (at most %(threshold)s opens a ticket)") % {
            "score": score, "threshold": threshold}
    dimension = dict(DIMENSIONS).get(get("dimension", ""), get("dimension", ""))
    return _("%(dimension)s gap %(score)s (at most %(threshold)s opens a ticket)") % {
        "dimension": dimension, "score": score, "threshold": threshold}


def panel(request, ticket):
    if not request.user.is_staff_member:
        return None
    links = list(RecoveryLink.objects.filter(Q(ticket=ticket) | Q(response__ticket=ticket))
                 .select_related("response__instrument", "ticket")[:5])
    if not links:
        return None
    visible = set(tickets_for(request.user).filter(
        pk__in=[link.ticket_id for link in links]).values_list("pk", flat=True))
    rows = [{"link": link, "reason": _reason(link), "opened_here": link.ticket_id == ticket.pk,
             "ticket_visible": link.ticket_id in visible} for link in links]
    return "surveys/_recovery_panel.html", {"rows": rows}


EVENT_TEXTS = {
    "survey_recovery": lambda d, names: _(
        "opened from survey response #%(response)s (%(survey)s): %(reason)s") % {
        "response": d.get("response"), "survey": d.get("instrument", ""), "reason": _reason(d)},
    "survey_recovery_opened": lambda d, names: _(
        "the customer's survey answer opened recovery ticket #%(ticket)s: %(reason)s") % {
        "ticket": d.get("ticket"), "reason": _reason(d)},
}
