"""Console views and the ticket-page panel for recovery (being written)."""

urlpatterns: list = []


def panel(request, ticket):
    return None
