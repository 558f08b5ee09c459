"""Console views and the ticket-page panel for handoff (being written)."""

urlpatterns: list = []


def panel(request, ticket):
    return None
