"""The inbox's per-scope-part paging returns exactly what one OR query would, in order,
across pages, with no ticket twice and none missing."""

import random
from datetime import timedelta

from django.utils import timezone

from kefu.accounts.access import ticket_scope
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import InboxFilter, inbox


def test_paging_through_the_parts_matches_a_single_scoped_query(company, make_ticket):
    # given tickets spread over the agent's team, other teams they own or are assigned, and
    # tickets they may not see, many sharing the same updated_at (ties broken by id)
    rng = random.Random(7)
    base = timezone.now() - timedelta(days=1)
    for i in range(60):
        actor = rng.choice([company.agent_east, company.agent_west, company.agent_hq])
        customer = company.alice if actor != company.agent_west else company.bob
        ticket = make_ticket(actor, customer, subject=f"t{i}")
        fields = {"updated_at": base + timedelta(minutes=rng.choice([1, 2, 3, 4, 5]))}
        if rng.random() < 0.2:
            fields["assignee"] = company.agent_east
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
    viewer = company.agent_east
    expected = list(Ticket.objects.filter(ticket_scope(viewer))
                    .order_by("-updated_at", "-id").values_list("pk", flat=True))
    # when the agent pages through the inbox 7 at a time
    seen, cursor = [], None
    while True:
        rows, cursor = inbox(viewer, InboxFilter(status=[]), cursor=cursor, limit=7)
        seen += [t.pk for t in rows]
        if cursor is None:
            break
    # then the pages add up to exactly the scoped, ordered list
    assert seen == expected and len(expected) > 7
