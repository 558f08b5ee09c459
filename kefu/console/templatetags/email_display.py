"""Showing a customer's HTML e-mail in the console without trusting it.

The HTML was sanitised when the mail arrived (``conversations/email/sanitise.py``); it is
shown all the same as if it were hostile: a whole document in the ``srcdoc`` of an
``<iframe sandbox>`` (no scripts, an opaque origin: it can reach neither the page nor the
session), with its own Content-Security-Policy that loads nothing from the network — only
``data:`` images and its own style. ``email_srcdoc`` returns plain text: the template
escapes it into the attribute, so the e-mail can never end the attribute or the tag.
"""

from __future__ import annotations

import re

from django import template

register = template.Library()

#: What the e-mail's document may load: nothing from the network, no scripts, no forms.
FRAME_CSP = ("default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; "
             "font-src data:; form-action 'none'")
#: The ``sandbox`` tokens of the frame: links the reader clicks open in a new tab, as a page
#: of their own; never ``allow-scripts`` or ``allow-same-origin``.
FRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"
_STYLE = (
    "html{color-scheme:light}"
    "body{margin:.3rem .2rem;font:14px/1.55 system-ui,-apple-system,'PingFang SC',"
    "'Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#1f2933;overflow-wrap:anywhere}"
    "img{max-width:100%;height:auto}table{max-width:100%;border-collapse:collapse}"
    "pre{white-space:pre-wrap}blockquote{margin:.3rem 0 .3rem .4rem;padding-left:.6rem;"
    "border-left:2px solid #c8d1dc;color:#52606d}a{color:#0b5cad}"
    "a.kefu-remote-image{font-size:.85em;color:#52606d}"
)
_LINES = re.compile(r"<(?:br|p|div|tr|li|h[1-6]|blockquote|pre)\b", re.IGNORECASE)


@register.filter
def email_srcdoc(html: str | None) -> str:
    """The frame's whole document around the e-mail's (sanitised) HTML — to be escaped."""
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{FRAME_CSP}\">"
            "<meta name=\"referrer\" content=\"no-referrer\"><base target=\"_blank\">"
            f"<style>{_STYLE}</style></head><body>{html or ''}</body></html>")


@register.filter
def email_frame_height(html: str | None) -> str:
    """A height for the frame (it cannot measure itself without scripts): about the
    number of lines, between 3.5 and 36 rem; the reader can resize it."""
    html = html or ""
    lines = len(_LINES.findall(html[:200_000])) + len(html) // 300
    return f"{min(36.0, max(3.5, 1 + lines * 1.4)):.1f}rem"


@register.simple_tag
def email_frame_sandbox() -> str:
    return FRAME_SANDBOX
