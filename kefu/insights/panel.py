"""The emotion panel on the console's ticket page, and the timeline sentence of
``sentiment_escalated``.

The panel lists how the customer's latest texts were scored and, while the customer is
upset (``rules.is_upset``), de-escalation phrases in the agent's language. The phrases
follow the complaint-handling steps kefu teaches: soothe first and listen, repeat to
confirm, apologise with the right expression (不好意思 / 抱歉 / 对不起 / 请您原谅), take
ownership instead of passing the customer on, give a clear time, follow up — and never
argue or blame a colleague or the rules. They are written per language, not translated:
each list uses the idiom of its language.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.tickets.models import PRIORITY_CHOICES

from . import rules, selectors
from .models import LABEL_CHOICES

RECENT = 5
EXCERPT = 60

PHRASES = {
    "zh": (
        "非常理解您现在的心情，换作是我遇到这种情况也会着急。请您先消消气，我一定帮您把这件事处理好。",
        "您慢慢说，我都在认真听，也在一条条记下来。",
        "我跟您确认一下：您说的是……这个意思，对吗？",
        "非常抱歉，这件事给您添麻烦了。",
        "对不起，让您等了这么久，请您原谅。",
        "不好意思，这是我们的工作没有做到位，不是您的问题。",
        "这件事由我负责跟进到底，您不用再向其他人重复说明。",
        "我现在就为您处理，会在……之前给您明确答复；处理完我再联系您，确认问题真正解决了。",
    ),
    "en": (
        "I completely understand how frustrating this is; I'd feel the same in your place. "
        "Let me put this right for you.",
        "Please take your time. I'm listening and noting down every detail.",
        "Let me make sure I have this right: you mean …, is that correct?",
        "I'm very sorry for the trouble this has caused you.",
        "I apologise for keeping you waiting so long, and thank you for your patience.",
        "I'm sorry. That's on us: we didn't do our job properly.",
        "I'll personally follow this through to the end, so you won't need to explain it "
        "to anyone else again.",
        "I'm working on it now and will give you a clear answer by …; once it's done, I'll "
        "check back with you to make sure it's really solved.",
    ),
}


def phrases_for(language: str | None) -> tuple[str, ...]:
    """The phrases for a language code ("zh-hans", "en", …); English for anything else."""
    return PHRASES["zh"] if (language or "").lower().startswith("zh") else PHRASES["en"]


def panel(request, ticket):
    recent = selectors.recent_for_ticket(ticket.pk, limit=RECENT)
    if not recent:
        return None
    labels = dict(LABEL_CHOICES)
    items = []
    for row in recent:
        if row.message_id:
            body = " ".join(row.message.body.split())
            excerpt = body[:EXCERPT] + ("…" if len(body) > EXCERPT else "")
            when = row.message.created_at
        else:
            excerpt, when = _("Ticket description"), ticket.created_at
        items.append({"label": row.label, "label_text": labels.get(row.label, row.label),
                      "score": row.score, "anger": row.anger, "excerpt": excerpt, "at": when})
    upset = rules.is_upset([(row.label, row.anger) for row in recent])
    return "insights/panel.html", {
        "items": items,
        "upset": upset,
        "angry": upset and any(row.anger for row in recent[:rules.UPSET_LOOKBACK]),
        "phrases": phrases_for(get_language()) if upset else (),
    }


# --- timeline sentence -----------------------------------------------------------------

_PRIORITIES = dict(PRIORITY_CHOICES)


def _escalated(data: dict, names: dict) -> str:
    reason = (_("the customer sounds angry") if data.get("anger")
              else _("the customer sounds very unhappy"))
    old, new = data.get("old"), data.get("new")
    if old != new:
        return _("raised the priority from %(old)s to %(new)s: %(reason)s") % {
            "old": _PRIORITIES.get(old, old), "new": _PRIORITIES.get(new, new), "reason": reason}
    return _("noted an upset customer (priority already %(new)s): %(reason)s") % {
        "new": _PRIORITIES.get(new, new), "reason": reason}


EVENT_TEXTS = {"sentiment_escalated": _escalated}
