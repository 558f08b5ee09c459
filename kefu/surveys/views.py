"""Answering surveys in the browser.

- ``/s/<token>/``: the public page of an e-mailed link — no sign-in, in the invitation's
  language with a switch (``?lang=``), made for phones first (the SERVQUAL grid is one card
  per statement with a row of big buttons per column). GET never spends the link; the POST
  answers. ``/s/thanks/`` thanks.
- ``/portal/surveys/``: a signed-in customer's surveys; ``/portal/surveys/<id>/`` answers one.
- ``/surveys/``: the console's list (surveys for you to answer — the management-perception
  survey — and, for supervisors and administrators, the waves with their response rates);
  ``/surveys/<id>/`` answers one.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.console.views import staff_required
from kefu.conversations.portal.views import client_address, customer_required
from kefu.conversations.portal.webform import rate_limit_hit
from kefu.core.errors import ApplicationError

from . import access, forms, rules, selectors
from .models import Invitation
from .services import responses as services
from .services.waves import response_rates

LANGS = ("zh-hans", "en")


def submit_limit() -> int:
    """Answer submissions per client address per hour on the public page and endpoint."""
    return settings.SURVEY_SUBMIT_LIMIT_PER_HOUR


def _lang(request, default: str) -> str:
    value = (request.POST.get("lang") or request.GET.get("lang") or "").lower()
    return value if value in LANGS else (default if default in LANGS else "zh-hans")


def _form_context(invitation: Invitation, language: str, *, answers=None, errors=None,
                  error_message: str = "") -> dict:
    questions = selectors.version_questions(invitation.version_id)
    kind = invitation.instrument.kind
    grid = any(q.kind == rules.QuestionKind.SERVQUAL for q in questions)
    return {"invitation": invitation, "instrument": invitation.instrument,
            "version": invitation.version, "lang": language, "grid": grid,
            "items": forms.form_items(questions, kind, language, answers=answers, errors=errors),
            "error_message": error_message, "anonymous_allowed":
            invitation.instrument.anonymous_allowed}


def _closed(request, refusal: ApplicationError, language: str, template="surveys/closed.html"):
    return render(request, template, {"message": refusal.message, "code": refusal.code,
                                      "lang": language}, status=refusal.status)


def _answer(request, invitation: Invitation, language: str, *, submit, template: str,
            done_url: str, closed_template: str = "surveys/closed.html"):
    """The GET/POST cycle shared by the three pages."""
    refusal = services.not_open(invitation, _now())
    if refusal is not None:
        return _closed(request, refusal, language, closed_template)
    questions = selectors.version_questions(invitation.version_id)
    if request.method == "POST":
        answers = forms.answers_from_post(questions, request.POST)
        anonymous = request.POST.get("anonymous") == "1"
        try:
            submit(answers, anonymous)
        except ApplicationError as exc:
            if exc.code in ("already_responded", "expired", "survey_closed", "invalid_token"):
                return _closed(request, exc, language, closed_template)
            context = _form_context(invitation, language, answers=answers,
                                    errors=forms.errors_by_question(exc.details),
                                    error_message=exc.message)
            context["anonymous_checked"] = anonymous
            return render(request, template, context, status=400)
        return redirect(done_url)
    return render(request, template, _form_context(invitation, language))


def _now():
    from django.utils import timezone

    return timezone.now()


# --- the public page of an e-mailed link -------------------------------------------------------

@require_http_methods(["GET", "POST"])
def answer_view(request, token: str):
    try:
        invitation = services.invitation_for_token(token)
    except ApplicationError as exc:
        language = _lang(request, request.LANGUAGE_CODE)
        with translation.override(language):
            return _closed(request, exc, language)
    language = _lang(request, invitation.language)
    with translation.override(language):
        if request.method == "POST" and rate_limit_hit(
                scope="survey", client=client_address(request), limit=submit_limit()):
            response = _closed(request, ApplicationError(
                "rate_limited", _("Too many answers from your connection: please try again "
                                  "later."), status=429), language)
            response["Retry-After"] = "3600"
            return response

        def submit(answers, anonymous):
            services.response_submit(token=token, answers=answers, anonymous=anonymous,
                                     source=rules.Source.LINK, language=language)

        response = _answer(request, invitation, language, submit=submit,
                           template="surveys/answer_public.html",
                           done_url=f"{reverse('surveys:thanks')}?lang={language}")
        response.headers["Content-Language"] = language
        response.headers["Cache-Control"] = "no-store"
        return response


def thanks_view(request):
    language = _lang(request, request.LANGUAGE_CODE)
    with translation.override(language):
        return render(request, "surveys/thanks.html", {"lang": language})


# --- the customer portal -------------------------------------------------------------------------

@customer_required
def portal_list_view(request):
    rows = selectors.customer_invitations(request.customer)
    return render(request, "surveys/portal_list.html", {"rows": rows})


@customer_required
@require_http_methods(["GET", "POST"])
def portal_answer_view(request, invitation_id: int):
    invitation = access.invitation_to_answer(request.user, invitation_id)
    language = translation.get_language() or invitation.language

    def submit(answers, anonymous):
        services.response_submit_for(invitation=invitation, actor=request.user, answers=answers,
                                     anonymous=anonymous, source=rules.Source.PORTAL)

    return _answer(request, invitation, language, submit=submit,
                   template="surveys/answer_portal.html",
                   closed_template="surveys/closed_portal.html",
                   done_url=f"{reverse('portal_surveys:list')}?answered={invitation.pk}")


# --- the console ---------------------------------------------------------------------------------

@staff_required
def console_list_view(request):
    user = request.user
    waves = []
    if access.manages_all(user) or user.role == "supervisor":
        for wave in access.waves_for(user).select_related("instrument")[:50]:
            wave.rates = response_rates(wave) if wave.status != rules.WaveStatus.DRAFT else None
            waves.append(wave)
    return render(request, "surveys/console_list.html",
                  {"rows": selectors.staff_invitations(user), "waves": waves})


@staff_required
@require_http_methods(["GET", "POST"])
def console_answer_view(request, invitation_id: int):
    invitation = access.invitation_to_answer(request.user, invitation_id)
    language = translation.get_language() or invitation.language

    def submit(answers, anonymous):
        services.response_submit_for(invitation=invitation, actor=request.user, answers=answers,
                                     anonymous=anonymous, source=rules.Source.CONSOLE)

    return _answer(request, invitation, language, submit=submit,
                   template="surveys/answer_console.html",
                   done_url=f"{reverse('surveys:console_list')}?answered={invitation.pk}",
                   closed_template="surveys/closed_console.html")


urlpatterns = [
    path("s/thanks/", thanks_view, name="thanks"),
    path("s/<str:token>/", answer_view, name="answer"),
    path("surveys/", console_list_view, name="console_list"),
    path("surveys/<int:invitation_id>/", console_answer_view, name="console_answer"),
]

portal_urlpatterns = [
    path("", portal_list_view, name="list"),
    path("<int:invitation_id>/", portal_answer_view, name="answer"),
]
