"""Input for the portal and the web form: lengths, types and files are checked here so that a
bad request is a form error and writes nothing; the services check again."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import TYPE_CHOICES
from kefu.tickets.services import sniff_content_type
from kefu.tickets.services._common import MAX_SUBJECT

from .services import CONSENTS, CUSTOMER_TYPES, MAX_NAME

MAX_FILES = 10
#: Longest description or reply typed into the portal or the web form.
MAX_TEXT = 20_000
PHONE = re.compile(r"^[0-9+()\-.\s/#*xX]{3,40}$")
TYPE_OPTIONS = [(code, label) for code, label in TYPE_CHOICES if code in CUSTOMER_TYPES]


class NoNulCharField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and "\x00" in value:
            raise forms.ValidationError(_("This field contains a NUL character."))
        return value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files; each is checked as the attachment service will (size, real type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(FilesField, self).clean(item, initial) for item in items if item]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files at a time.") % {"n": MAX_FILES})
        for upload in files:
            if upload.size > settings.MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(mb).1f MB.")
                    % {"name": upload.name, "mb": settings.MAX_ATTACHMENT_BYTES / 1024 / 1024})
            head = upload.read(8192)
            upload.seek(0)
            declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
            if sniff_content_type(head, declared) is None:
                raise forms.ValidationError(_("%(name)s: this type of file is not accepted.")
                                            % {"name": upload.name})
        return files


def language_choices():
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class LoginForm(forms.Form):
    email = NoNulCharField(label=_("E-mail"), max_length=254,
                           widget=forms.TextInput(attrs={"autocomplete": "username",
                                                         "inputmode": "email"}))
    password = forms.CharField(label=_("Password"), max_length=200, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SignupForm(forms.Form):
    name = NoNulCharField(label=_("Name"), max_length=MAX_NAME,
                          widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label=_("Password"), max_length=200, strip=False,
                               help_text=_("At least 8 characters, not a common password."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class TicketForm(forms.Form):
    type = forms.ChoiceField(label=_("What is it about?"), choices=TYPE_OPTIONS,
                             initial="inquiry")
    subject = NoNulCharField(label=_("Subject"), max_length=MAX_SUBJECT)
    description = NoNulCharField(label=_("Description"), max_length=MAX_TEXT, required=False,
                                 widget=forms.Textarea(attrs={"rows": 6}))
    files = FilesField(label=_("Attachments"))


class ReplyForm(forms.Form):
    body = NoNulCharField(label=_("Your reply"), max_length=MAX_TEXT,
                          widget=forms.Textarea(attrs={"rows": 4}))
    files = FilesField(label=_("Attachments"))


class ReopenForm(forms.Form):
    reason = NoNulCharField(label=_("What is still wrong? (optional)"), max_length=MAX_TEXT,
                            required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ProfileForm(forms.Form):
    name = NoNulCharField(label=_("Name"), max_length=MAX_NAME)
    phone = NoNulCharField(label=_("Phone"), max_length=40, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    consent_email = forms.BooleanField(label=_("May e-mail"), required=False)
    consent_sms = forms.BooleanField(label=_("May send SMS"), required=False)
    consent_phone = forms.BooleanField(label=_("May phone"), required=False)
    consent_marketing = forms.BooleanField(label=_("May send marketing"), required=False)

    def contact_fields(self):
        return [self[name] for name in ("name", "phone", "language")]

    def consent_fields(self):
        return [self[name] for name in CONSENTS]

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("Enter a phone number (digits, spaces, + - ( ))."))
        return phone


class PasswordForm(forms.Form):
    current_password = forms.CharField(label=_("Current password"), max_length=200, strip=False,
                                       required=False, widget=forms.PasswordInput(
                                           attrs={"autocomplete": "current-password"}))
    password = forms.CharField(label=_("New password"), max_length=200, strip=False,
                               help_text=_("At least 8 characters, not a common password."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class WebForm(forms.Form):
    """The embeddable form. ``website`` is the honeypot: people never see it (it is moved off
    screen and skipped by the keyboard); a bot that fills every field fills it."""

    name = NoNulCharField(label=_("Name"), max_length=MAX_NAME,
                          widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = NoNulCharField(label=_("Phone (optional)"), max_length=40, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    type = forms.ChoiceField(label=_("What is it about?"), choices=TYPE_OPTIONS,
                             initial="inquiry")
    subject = NoNulCharField(label=_("Subject"), max_length=MAX_SUBJECT)
    description = NoNulCharField(label=_("Description"), max_length=MAX_TEXT, required=False,
                                 widget=forms.Textarea(attrs={"rows": 6}))
    website = forms.CharField(required=False, max_length=10_000)

    clean_phone = ProfileForm.clean_phone
