"""Template helpers of the workflow features for the console's pages."""

from django import template

register = template.Library()


@register.simple_tag
def unread_alerts(user) -> int:
    """How many unread alerts the signed-in staff member has (the bell in the header)."""
    if not getattr(user, "is_authenticated", False) or user.role == "customer":
        return 0
    from ..models import Alert

    return Alert.objects.filter(user=user, read_at__isnull=True).count()
