"""Console URLs of the channels (mounted at the site root, namespace "conversations"): the
e-mail delivery panel's actions and the phone/counter contact log. The customer portal has
its own URLs under /portal/ (kefu.conversations.portal.urls)."""

from . import views, views_contacts

app_name = "conversations"

urlpatterns = [*views.urlpatterns, *views_contacts.urlpatterns]
