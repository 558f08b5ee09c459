"""Console test helpers."""

from __future__ import annotations

import re

#: A lazily loaded panel's placeholder on the ticket page (console/_panel.html).
LAZY_PANEL = re.compile(r'<div class="lazy-panel" id="panel-[\w-]+" hx-get="([^"]+)"[^>]*></div>')


def ticket_page(client, ticket_id: int, **extra):
    """GET the console's ticket page as the browser shows it once htmx has loaded its panels:
    each placeholder is replaced by what its own request answers. Returns the page's
    response with ``content`` holding the assembled HTML."""
    response = client.get(f"/tickets/{ticket_id}/", **extra)
    if response.status_code != 200:
        return response
    html = response.content.decode()

    def load(match: re.Match) -> str:
        panel = client.get(match.group(1), HTTP_HX_REQUEST="true", **extra)
        assert panel.status_code == 200, (match.group(1), panel.status_code)
        return panel.content.decode()

    response.content = LAZY_PANEL.sub(load, html).encode()
    return response


def signed_in(user, language: str | None = None):
    """A console client signed in as ``user``, who reads the console in ``language``."""
    from django.test import Client

    if language:
        user.language = language
        user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client
