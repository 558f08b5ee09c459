"""Admin screens for mailboxes and received e-mail: inbound messages are read-only (the raw
message can be downloaded), and quarantined ones can be processed again."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kefu.core.errors import ApplicationError

from .models import Channel, InboundEmail, Mailbox, WebhookDelivery

#: How much of the raw message the change page shows (the download has it all).
RAW_PREVIEW_BYTES = 20_000


def _secret(label):
    return forms.CharField(label=label, required=False,
                           widget=forms.PasswordInput(render_value=False),
                           help_text=gettext_lazy("Leave blank to keep the current one."))


class MailboxForm(forms.ModelForm):
    """Secrets are write-only: the page never shows them, and a blank field keeps them."""

    SECRETS = ("imap_password", "oauth2_access_token", "oauth2_client_secret",
               "oauth2_refresh_token")
    imap_password = _secret(gettext_lazy("IMAP password"))
    oauth2_access_token = _secret(gettext_lazy("OAuth2 access token"))
    oauth2_client_secret = _secret(gettext_lazy("OAuth2 client secret"))
    oauth2_refresh_token = _secret(gettext_lazy("OAuth2 refresh token"))

    class Meta:
        model = Mailbox
        fields = ("name", "address", "team", "active", "imap_host", "imap_port",
                  "imap_security", "imap_user", "imap_password", "imap_folder",
                  "imap_done_folder", "oauth2_access_token", "oauth2_expires_at",
                  "oauth2_token_url", "oauth2_client_id", "oauth2_client_secret",
                  "oauth2_refresh_token", "oauth2_scope")
        help_texts = {
            "oauth2_token_url": gettext_lazy(
                "With a client ID and a refresh token, kefu refreshes the access token itself "
                "(e.g. https://oauth2.googleapis.com/token)."),
        }

    def clean_oauth2_token_url(self):
        from .oauth2 import check_token_url

        url = (self.cleaned_data.get("oauth2_token_url") or "").strip()
        if url and check_token_url(url):
            raise forms.ValidationError(gettext_lazy(
                "The token endpoint must be an https:// address."))
        return url

    def clean(self):
        cleaned = super().clean()
        for name in self.SECRETS:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("address", "name", "team", "active", "last_polled_at", "last_error")
    fieldsets = (
        (None, {"fields": ("name", "address", "team", "active")}),
        ("IMAP", {"fields": ("imap_host", "imap_port", "imap_security", "imap_user",
                             "imap_password", "imap_folder", "imap_done_folder")}),
        ("OAuth2 (XOAUTH2)", {"fields": ("oauth2_access_token", "oauth2_expires_at",
                                         "oauth2_token_url", "oauth2_client_id",
                                         "oauth2_client_secret", "oauth2_refresh_token",
                                         "oauth2_scope")}),
        (gettext_lazy("Status"), {"fields": ("last_polled_at", "last_error")}),
    )
    list_filter = ("active", "team")
    search_fields = ("address", "name")
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "status", "source", "from_address", "subject", "ticket_link",
                    "size", "attempts")
    list_filter = ("status", "source", "mailbox")
    search_fields = ("from_address", "subject", "message_id")
    date_hierarchy = "received_at"
    list_select_related = ("mailbox",)
    actions = ["reprocess_selected"]
    fields = ("status", "reason", "source", "mailbox", "received_at", "processed_at",
              "attempts", "message_id", "from_address", "subject", "ticket_link", "imap_uid",
              "size", "content_hash", "download", "parsed_preview", "raw_preview")
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            qs = qs.defer("raw")  # lists never load the raw bytes
        return qs

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only; "re-process" is an action

    @admin.display(description=gettext_lazy("Ticket"))
    def ticket_link(self, obj):
        if not obj.ticket_id:
            return "—"
        return format_html('<a href="{}">#{}</a>',
                           reverse("console:ticket", args=[obj.ticket_id]), obj.ticket_id)

    @admin.display(description=gettext_lazy("Raw message"))
    def download(self, obj):
        url = reverse("admin:conversations_inboundemail_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the .eml file"))

    @admin.display(description=gettext_lazy("As read"))
    def parsed_preview(self, obj):
        from .email.parse import Unparseable, parse_message

        try:
            parsed = parse_message(bytes(obj.raw))
        except Unparseable as exc:
            return format_html("<em>{}</em>", exc.reason)
        lines = [f"From: {parsed.from_name} <{parsed.from_address}>",
                 f"Subject: {parsed.subject}", f"Automatic: {parsed.auto or '—'}",
                 f"Attachments: {', '.join(a.filename for a in parsed.attachments) or '—'}",
                 f"Problems: {'; '.join(parsed.problems) or '—'}", "", parsed.text[:5000]]
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', "\n".join(lines))

    @admin.display(description=gettext_lazy("Raw (start)"))
    def raw_preview(self, obj):
        raw = bytes(obj.raw[:RAW_PREVIEW_BYTES])
        return format_html('<pre style="white-space:pre-wrap">{}</pre>',
                           raw.decode("utf-8", "replace"))

    def get_urls(self):
        return [path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view),
                     name="conversations_inboundemail_raw"), *super().get_urls()]

    def raw_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise Http404
        row = get_object_or_404(InboundEmail, pk=pk)
        response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{row.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=gettext_lazy("Re-process the selected quarantined e-mail"))
    def reprocess_selected(self, request, queryset):
        from .email.ingest import reprocess

        done = skipped = 0
        for pk in queryset.values_list("pk", flat=True):
            try:
                result = reprocess(pk, request.user)
            except ApplicationError as exc:
                skipped += 1
                self.message_user(request, f"#{pk}: {exc.message}", messages.WARNING)
                continue
            done += 1
            level = messages.ERROR if result.status == InboundEmail.Status.QUARANTINED \
                else messages.SUCCESS
            self.message_user(request, f"#{pk}: {result.status} — {result.reason[:300]}", level)
        self.message_user(request, _("%(done)d re-processed, %(skipped)d skipped.")
                          % {"done": done, "skipped": skipped})


class ChannelForm(forms.ModelForm):
    """The signing secret is write-only: the page never shows it; blank keeps it."""

    secret = forms.CharField(label=gettext_lazy("Signing secret"), required=False,
                             widget=forms.PasswordInput(render_value=False),
                             help_text=gettext_lazy("Leave blank to keep the current one."))

    class Meta:
        model = Channel
        fields = ("code", "name", "kind", "team", "active", "secret", "outbound_url")

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "")
        if not secret:
            if self.instance.pk:
                return self.instance.secret
            raise forms.ValidationError(gettext_lazy("A new channel needs a signing secret."))
        if len(secret) < 16:
            raise forms.ValidationError(gettext_lazy("Use at least 16 characters."))
        return secret


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("code", "name", "kind", "team", "active", "outbound_url")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The outbound webhook log: read only; failed deliveries can be sent again."""

    list_display = ("id", "channel", "message_id", "state", "attempts", "last_status",
                    "next_attempt_at", "created_at", "delivered_at")
    list_filter = ("state", "channel")
    list_select_related = ("channel",)
    search_fields = ("=id", "=message__id", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = ("channel", "message", "url", "payload", "state", "attempts",
                       "next_attempt_at", "last_status", "last_error", "created_at", "delivered_at")
    actions = ["retry_failed"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Send the selected failed deliveries again"))
    def retry_failed(self, request, queryset):
        from .webhooks import webhook_retry

        done = 0
        for delivery in queryset.filter(state=WebhookDelivery.State.FAILED):
            webhook_retry(delivery=delivery, actor=request.user)
            done += 1
        self.message_user(request, ngettext("%(n)d delivery queued again.",
                                            "%(n)d deliveries queued again.", done) % {"n": done},
                          messages.SUCCESS)
