"""Console views and the ticket-page panel for sla (being written)."""

urlpatterns: list = []


def panel(request, ticket):
    return None
