"""The customer portal, mounted at /portal/ (kefu/urls.py)."""

from django.urls import path

from . import views, views_account

app_name = "portal"
urlpatterns = [
    path("", views_account.home, name="home"),
    path("login/", views_account.login_view, name="login"),
    path("logout/", views_account.logout_view, name="logout"),
    path("signup/", views_account.signup_view, name="signup"),
    path("link/", views_account.link_request_view, name="link_request"),
    path("link/sent/", views_account.link_sent_view, name="link_sent"),
    path("link/<str:token>/", views_account.link_use_view, name="link_use"),
    path("language/", views_account.language_view, name="language"),
    path("tickets/", views.tickets_view, name="tickets"),
    path("tickets/new/", views.ticket_new_view, name="ticket_new"),
    path("tickets/<int:ticket_id>/", views.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:ticket_id>/confirm/", views.ticket_confirm_view, name="ticket_confirm"),
    path("tickets/<int:ticket_id>/reopen/", views.ticket_reopen_view, name="ticket_reopen"),
    path("tickets/<int:ticket_id>/attachments/<int:attachment_id>/", views.attachment_view,
         name="attachment"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/password/", views.password_view, name="password"),
    path("form/", views.form_view, name="form"),
    path("form/thanks/", views.form_thanks_view, name="form_thanks"),
]
