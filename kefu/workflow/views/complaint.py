"""Console views and the ticket-page panel for complaint (being written)."""

urlpatterns: list = []


def panel(request, ticket):
    return None
