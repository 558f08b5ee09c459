from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="language"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:ticket_id>/", views.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:ticket_id>/status/", views.ticket_status_view, name="ticket_status"),
    path("tickets/<int:ticket_id>/assign/", views.ticket_assign_view, name="ticket_assign"),
    path("tickets/<int:ticket_id>/take/", views.ticket_take_view, name="ticket_take"),
    path("tickets/<int:ticket_id>/edit/", views.ticket_edit_view, name="ticket_edit"),
    path("tickets/<int:ticket_id>/merge/", views.ticket_merge_view, name="ticket_merge"),
    path("tickets/<int:ticket_id>/owner/", views.ticket_owner_view, name="ticket_owner"),
    path("tickets/<int:ticket_id>/attachments/<int:attachment_id>/", views.attachment_view,
         name="attachment"),
    path("customers/", views.customers_view, name="customers"),
    path("customers/<int:customer_id>/", views.customer_view, name="customer"),
    path("customers/<int:customer_id>/preferences/", views.preference_add_view,
         name="preference_add"),
    path("healthz", views.healthz, name="healthz"),
]
