"""Timeline sentences for the workflow's event kinds. Each panel's module may define
``EVENT_TEXTS = {kind: function(data, names) -> str}``; the console's ``event_text`` tag
asks here for kinds it does not know itself."""

from __future__ import annotations

from importlib import import_module

from .panels import PANELS

_MODULES = tuple(panel.path.rsplit(".", 1)[0] for panel in PANELS)


def workflow_event_text(kind: str, data: dict, names: dict) -> str | None:
    for module in _MODULES:
        texts = getattr(import_module(module), "EVENT_TEXTS", {})
        if kind in texts:
            return texts[kind](data, names)
    return None
