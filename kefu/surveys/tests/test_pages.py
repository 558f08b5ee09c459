"""The answering pages: the public page of a link (no sign-in, the invitation's language with
a switch, the 22-item grid), the portal's "my surveys" (a customer sees and opens only their
own), the console's management-perception survey."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from kefu.core.testing.console import signed_in
from kefu.surveys import forms
from kefu.surveys.instruments_data import SERVQUAL_ITEMS
from kefu.surveys.models import Answer, Invitation, Response

ITEMS = SERVQUAL_ITEMS


def grid_post(columns=("expectation", "perception"), value="5", **extra):
    data = {f"q-{code}-{c}": value for code, *_r in ITEMS for c in columns}
    data.update(extra)
    return data


@pytest.mark.parametrize("language, intro, item, switch", [
    ("zh-hans", "卓越的服务企业", "员工仪容整洁、着装得体。", 'id="lang-en"'),
    ("en", "excellent service company", "Staff are tidy and professionally dressed.",
     'id="lang-zh"'),
])
def test_the_public_page_shows_the_22_item_grid_in_the_invitations_language(
        company, shipped, invite_to, language, intro, item, switch):
    company.bob.language = language
    company.bob.save()
    _inv, token = invite_to(shipped["servqual"], customer=company.bob)
    page = Client().get(f"/s/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert page["Content-Language"] == language and f'<html lang="{language}">' in html
    assert intro in html and item in html
    assert len(re.findall(r'<fieldset class="sq-item', html)) == 22
    for code, *_rest in ITEMS:
        for c in ("expectation", "perception"):
            assert html.count(f'name="q-{code}-{c}"') == 7  # seven points each
    assert 'name="q-weights-tangibles"' in html and 'name="anonymous"' in html
    assert 'name="viewport"' in html and "surveys/surveys.css" in html
    assert switch in html
    with translation.override(language):
        for column in ("expectation", "perception"):
            assert str(forms.column_label(column, "servqual")) in html


def test_the_language_switch_shows_the_other_language(company, shipped, invite_to):
    _inv, token = invite_to(shipped["servqual3"], customer=company.alice)  # alice: zh-hans
    html = Client().get(f"/s/{token}/?lang=en").content.decode()
    assert "Staff are tidy and professionally dressed." in html
    assert 'name="q-tan1-desired"' in html and 'name="q-tan1-adequate"' in html
    assert 'href="?lang=zh-hans"' in html


def test_answering_on_the_public_page(company, shipped, invite_to):
    invitation, token = invite_to(shipped["servqual"], customer=company.bob)
    client = Client()
    # a missing answer shows the form again with the error, keeping what was given
    data = grid_post()
    del data["q-emp5-perception"]
    page = client.post(f"/s/{token}/?lang=en", data)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="survey-error"' in html and "emp5" in html and "perception" in html
    assert html.count("checked") == 43
    assert not Response.objects.exists()
    # weights that do not add up
    page = client.post(f"/s/{token}/", grid_post(**{"q-weights-tangibles": "50",
                                                    "q-weights-empathy": "40"}))
    assert page.status_code == 400 and not Response.objects.exists()
    # a complete answer goes to the thank-you page
    page = client.post(f"/s/{token}/", grid_post(**{
        "q-weights-tangibles": "20", "q-weights-reliability": "30",
        "q-weights-responsiveness": "20", "q-weights-assurance": "15",
        "q-weights-empathy": "15", "lang": "en"}))
    assert page.status_code == 302 and page["Location"] == "/s/thanks/?lang=en"
    assert "Thank you" in client.get(page["Location"]).content.decode()
    response = Response.objects.get()
    assert response.source == "link" and response.language == "en"
    assert Answer.objects.filter(response=response).count() == 49
    # the link now says it was answered, in either method
    again = client.get(f"/s/{token}/")
    assert again.status_code == 409 and 'data-code="already_responded"' in again.content.decode()
    assert client.post(f"/s/{token}/", grid_post()).status_code == 409
    assert Response.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.responded_at is not None


def test_a_bad_or_expired_link_says_so(company, shipped, invite_to):
    page = Client().get("/s/not-a-real-token-but-long-enough/")
    assert page.status_code == 404 and 'data-code="invalid_token"' in page.content.decode()
    _inv, token = invite_to(shipped["csat"], customer=company.alice, expires_days=-1)
    page = Client().get(f"/s/{token}/")
    assert page.status_code == 410 and 'data-code="expired"' in page.content.decode()


def test_the_public_page_answers_anonymously_when_allowed(company, shipped, invite_to):
    _inv, token = invite_to(shipped["servperf"], customer=company.alice)
    page = Client().post(f"/s/{token}/", grid_post(columns=("perception",), anonymous="1"))
    assert page.status_code == 302
    response = Response.objects.get()
    assert response.anonymous and response.customer_id is None


def test_the_public_page_is_rate_limited(company, shipped, invite_to, settings):
    settings.SURVEY_SUBMIT_LIMIT_PER_HOUR = 2
    _inv, token = invite_to(shipped["nps"], customer=company.alice)
    client = Client()
    assert client.post(f"/s/{token}/", {"q-score": "11"}).status_code == 400
    assert client.post(f"/s/{token}/", {"q-score": "x"}).status_code == 400
    limited = client.post(f"/s/{token}/", {"q-score": "9"})
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert not Response.objects.exists()


def test_a_csat_page_shows_the_rating_reasons_and_comment(company, shipped, invite_to):
    _inv, token = invite_to(shipped["csat"], customer=company.alice)
    html = Client().get(f"/s/{token}/").content.decode()
    assert html.count('name="q-rating"') == 5 and html.count('name="q-reasons"') == 6
    assert 'name="q-comment"' in html and 'name="anonymous"' not in html
    page = Client().post(f"/s/{token}/", {"q-rating": "4", "q-reasons": ["speed", "attitude"],
                                          "q-comment": "谢谢"})
    assert page.status_code == 302
    assert Answer.objects.get(question__code="reasons").choices == ["speed", "attitude"]


# --- the portal ---------------------------------------------------------------------------------

def test_my_surveys_in_the_portal_lists_only_my_own(company, shipped, invite_to):
    mine, _t = invite_to(shipped["csat"], customer=company.alice)
    theirs, _t = invite_to(shipped["nps"], customer=company.bob)
    client = signed_in(company.customer_user)
    html = client.get("/portal/surveys/").content.decode()
    assert f"/portal/surveys/{mine.pk}/" in html and f"/portal/surveys/{theirs.pk}/" not in html
    assert 'id="nav-surveys"' in html
    # another customer's invitation: the same 404 as one that does not exist
    assert client.get(f"/portal/surveys/{theirs.pk}/").status_code == 404
    assert client.post(f"/portal/surveys/{theirs.pk}/", {"q-score": "10"}).status_code == 404
    assert client.get("/portal/surveys/99999999/").status_code == 404
    assert not Response.objects.exists()
    # my own: answered from the portal
    assert client.get(f"/portal/surveys/{mine.pk}/").status_code == 200
    page = client.post(f"/portal/surveys/{mine.pk}/", {"q-rating": "5"})
    assert page.status_code == 302
    response = Response.objects.get()
    assert response.source == "portal" and response.customer == company.alice
    listing = client.get("/portal/surveys/").content.decode()
    assert "survey-answered" in listing and f"/portal/surveys/{mine.pk}/" not in listing


def test_the_portal_is_for_customers(company, shipped, invite_to):
    invitation, _t = invite_to(shipped["csat"], customer=company.alice)
    assert Client().get("/portal/surveys/").status_code == 302  # sign in first
    staff = signed_in(company.agent_east)
    assert staff.get(f"/portal/surveys/{invitation.pk}/").status_code == 302  # to the console


# --- the console --------------------------------------------------------------------------------

def test_managers_answer_the_management_survey_in_the_console(company, shipped, invite_to):
    invitation, _t = invite_to(shipped["management"], user=company.supervisor_east,
                               channel="console")
    client = signed_in(company.supervisor_east, language="en")
    listing = client.get("/surveys/").content.decode()
    assert f"/surveys/{invitation.pk}/" in listing
    page = client.get(f"/surveys/{invitation.pk}/").content.decode()
    assert "What you believe customers expect" in page
    assert 'name="q-tan1-expectation"' in page and 'name="q-tan1-perception"' not in page
    data = grid_post(columns=("expectation",), value="6")
    assert client.post(f"/surveys/{invitation.pk}/", data).status_code == 302
    response = Response.objects.get()
    assert response.user == company.supervisor_east and response.source == "console"
    # nobody else opens it
    other = signed_in(company.admin)
    assert other.get(f"/surveys/{invitation.pk}/").status_code == 404
    assert signed_in(company.customer_user).get("/surveys/").status_code == 403


def test_the_console_lists_waves_with_their_response_rates(company, shipped):
    from kefu.surveys.services import waves

    wave = waves.wave_create(actor=company.admin, name="NPS 2026",
                             version=shipped["nps"].versions.get(), channel="portal")
    waves.wave_launch(actor=company.admin, wave=wave)
    html = signed_in(company.admin, language="en").get("/surveys/").content.decode()
    assert 'id="waves"' in html and "NPS 2026" in html
    assert Invitation.objects.filter(wave=wave).count() == 2
    assert 'id="waves"' not in signed_in(company.agent_east).get("/surveys/").content.decode()
