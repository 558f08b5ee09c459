"""Input of the console's article pages and the help centre: lengths checked here so a bad
request is a form error; the services check again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import KnowledgeCategory
from .models.articles import AUDIENCE_CHOICES, LANGUAGE_CHOICES
from .services._common import MAX_BODY, MAX_COMMENT, MAX_KEYWORDS, MAX_NOTE, MAX_SUMMARY, MAX_TITLE


class NoNulCharField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and "\x00" in value:
            raise forms.ValidationError(_("This field contains a NUL character."))
        return value


class TextForm(forms.Form):
    title = NoNulCharField(label=_("Title"), max_length=MAX_TITLE)
    summary = NoNulCharField(label=_("Summary"), max_length=MAX_SUMMARY, required=False,
                             help_text=_("One or two sentences shown in lists and suggestions."))
    keywords = NoNulCharField(label=_("Search keywords"), max_length=MAX_KEYWORDS,
                              required=False,
                              help_text=_("Other words customers use for this, e.g. 退钱, money back."))
    body = NoNulCharField(label=_("Text"), max_length=MAX_BODY,
                          widget=forms.Textarea(attrs={"rows": 18}),
                          help_text=_("Blank lines separate paragraphs; ## heading, - list, "
                                      "1. steps, > note, **bold**, [link](https://…), "
                                      "![picture](file:ID) for an uploaded image."))
    note = NoNulCharField(label=_("Change note"), max_length=MAX_NOTE, required=False)


class SettingsForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=KnowledgeCategory.objects.all(),
                                      required=False)
    audience = forms.ChoiceField(label=_("Audience"), choices=AUDIENCE_CHOICES)


class NewArticleForm(TextForm):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    category = forms.ModelChoiceField(label=_("Category"), queryset=KnowledgeCategory.objects.all(),
                                      required=False)
    audience = forms.ChoiceField(label=_("Audience"), choices=AUDIENCE_CHOICES)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", "yes"), ("no", "no")],
                                     coerce=lambda v: v == "yes")
    comment = NoNulCharField(label=_("What were you looking for? (optional)"),
                             max_length=MAX_COMMENT, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File or image"))


class ReasonForm(forms.Form):
    reason = NoNulCharField(label=_("Reason"), max_length=MAX_NOTE, required=False)
