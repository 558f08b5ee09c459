"""Template helpers: readable event lines, labels for codes, SLA time left."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kefu.tickets.models import CHANNEL_CHOICES, PRIORITY_CHOICES, STATUS_CHOICES, TYPE_CHOICES

register = template.Library()
LABELS = {**dict(STATUS_CHOICES), **dict(TYPE_CHOICES), **dict(PRIORITY_CHOICES)}
CHANNELS = dict(CHANNEL_CHOICES)


@register.filter
def label(code):
    return LABELS.get(code, code)


@register.filter
def channel_label(code):
    return CHANNELS.get(code, code)


def _user_name(user_id, names):
    return names.get(user_id) or (f"#{user_id}" if user_id else _("nobody"))


@register.simple_tag
def event_text(event, names=None):
    names = names or {}
    d = event.data or {}
    kind = event.kind
    if kind == "created":
        return _("created the ticket (%(channel)s)") % {"channel": CHANNELS.get(d.get("channel"), "")}
    if kind == "status":
        text = _("changed status from %(old)s to %(new)s") % {
            "old": LABELS.get(d.get("old"), d.get("old")), "new": LABELS.get(d.get("new"), d.get("new"))}
        if d.get("reason") == "auto_close":
            return _("closed automatically after %(days)s days resolved") % {"days": d.get("days")}
        if d.get("reason"):
            text += " — " + d["reason"]
        return text
    if kind == "taken":
        return _("took the contact and became its owner (首问负责)")
    if kind == "assigned":
        return _("assigned the ticket to %(name)s") % {"name": _user_name(d.get("assignee"), names)}
    if kind == "team":
        return _("moved the ticket to another team")
    if kind == "owner_transferred":
        return _("transferred ownership to %(name)s: %(reason)s") % {
            "name": _user_name(d.get("new"), names), "reason": d.get("reason", "")}
    if kind == "updated":
        return _("changed %(fields)s") % {"fields": ", ".join(sorted((d.get("changes") or {}).keys()))}
    if kind == "merged":
        return _("merged this ticket into #%(id)s") % {"id": d.get("into")}
    if kind == "merged_from":
        return _("merged ticket #%(id)s into this one") % {"id": d.get("source")}
    if kind == "attachment":
        return _("attached %(name)s") % {"name": d.get("filename", "")}
    if kind == "attachments_linked":
        names_ = d.get("filenames") or []
        return ngettext("sent %(count)d file with a message: %(files)s",
                        "sent %(count)d files with a message: %(files)s",
                        len(names_)) % {"count": len(names_), "files": ", ".join(names_)}
    if kind == "preference_added":
        return _("added a preference: %(text)s") % {"text": d.get("text", "")}
    if kind == "preference_removed":
        return _("removed a preference: %(text)s") % {"text": d.get("text", "")}
    if kind == "message":
        return _("replied")
    if kind == "note":
        return _("added an internal note")
    if kind in ("call", "visit"):
        return _contact_text(kind, d)
    if kind == "email_requeued":
        return _("queued an e-mail to be sent again")
    if kind == "email_bounced":
        return _("received a bounce: the e-mail to %(address)s was not delivered (%(status)s): "
                 "%(diagnostic)s") % {
            "address": d.get("to", ""), "status": d.get("status") or "—",
            "diagnostic": d.get("diagnostic") or "—"}
    if kind == "profile_updated":
        return _("updated their contact details and consents in the portal")
    if kind == "portal_linked":
        return _("confirmed their e-mail address and signed in to the portal")
    if kind == "password_changed":
        return _("changed their portal password")
    if kind == "web_form_contact":
        return _("wrote through the web form giving other details (%(details)s), ticket #%(id)s") % {
            "details": ", ".join(f"{k}: {v}" for k, v in d.items() if k != "ticket"),
            "id": d.get("ticket")}
    if kind == "survey_invited":
        return _("was invited to the survey %(survey)s") % {"survey": d.get("instrument", "")}
    if kind == "survey_response":
        return _("answered the survey %(survey)s") % {"survey": d.get("instrument", "")}
    from kefu.proactive.event_texts import proactive_event_text
    from kefu.workflow.event_texts import workflow_event_text

    return workflow_event_text(kind, d, names) or proactive_event_text(kind, d, names) or kind


def _duration(minutes: float) -> str:
    minutes = int(abs(minutes))
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    if minutes < 48 * 60:
        return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(d)d days") % {"d": minutes // (24 * 60)}


@register.simple_tag
def sla_badge(ticket, now=None):
    """The inbox's SLA cell: wall-clock time left to the nearest running target, coloured
    ok / warning / breached; empty when no target runs (met, paused or no policy)."""
    due = getattr(ticket, "sla_due", None)
    if due is None:
        return ""
    now = now or timezone.now()
    left = (due - now).total_seconds() / 60
    if left < 0:
        css, text = "sla-breached", _("overdue %(t)s") % {"t": _duration(left)}
    else:
        warn = getattr(ticket, "sla_warn_at", None)
        css = "sla-warning" if warn is not None and now >= warn else "sla-ok"
        text = _("%(t)s left") % {"t": _duration(left)}
    return format_html('<span class="sla {}" title="{}">{}</span>', css,
                       timezone.localtime(due).strftime("%Y-%m-%d %H:%M"), text)


def _contact_text(kind: str, d: dict) -> str:
    """A logged call or counter visit on the customer timeline."""
    from django.utils.text import Truncator

    from kefu.tickets.selectors import category_paths

    out = d.get("direction") == "out"
    text = ((_("called the customer") if out else _("took a call")) if kind == "call"
            else (_("visited the customer") if out else _("served a counter visit")))
    path = category_paths().get(d.get("category")) if d.get("category") else None
    if path:
        text += " · " + path
    if d.get("notes"):
        text += ": " + Truncator(d["notes"]).chars(200)
    return text
