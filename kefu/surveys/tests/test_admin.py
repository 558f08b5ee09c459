"""The admin screens: every survey screen opens; questions of a draft are edited through
the services (checked, audited), those of a published version cannot be; a wave is created
and launched from the admin; the CSAT policy refuses a bad row."""

from __future__ import annotations

import pytest

from kefu.cli import main
from kefu.surveys.models import CsatPolicy, Invitation, Question, SurveyEvent, Wave
from kefu.surveys.services.instruments import version_draft

from .conftest import published


@pytest.fixture
def admin_client(client, company):
    client.force_login(company.admin)
    return client


def test_every_survey_screen_opens(admin_client, shipped):
    version = published(shipped["servqual"])
    question = version.questions.first()
    policy = CsatPolicy.objects.get()
    for url in ("/admin/surveys/instrument/", f"/admin/surveys/instrument/{shipped['csat'].pk}/change/",
                "/admin/surveys/instrument/add/", "/admin/surveys/instrumentversion/",
                f"/admin/surveys/instrumentversion/{version.pk}/change/",
                "/admin/surveys/question/", f"/admin/surveys/question/{question.pk}/change/",
                "/admin/surveys/wave/", "/admin/surveys/wave/add/", "/admin/surveys/csatpolicy/",
                f"/admin/surveys/csatpolicy/{policy.pk}/change/", "/admin/surveys/response/",
                "/admin/surveys/surveyevent/"):
        assert admin_client.get(url).status_code == 200, url


def _inline_form(version, questions, **changes):
    """The POST of the version page with its questions inline."""
    data = {"intro": version.intro, "intro_en": version.intro_en,
            "questions-TOTAL_FORMS": str(len(questions)), "questions-INITIAL_FORMS":
            str(len(questions)), "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000"}
    for i, q in enumerate(questions):
        prefix = f"questions-{i}-"
        data.update({prefix + "id": str(q.pk), prefix + "version": str(version.pk),
                     prefix + "order": str(q.order), prefix + "code": q.code,
                     prefix + "kind": q.kind, prefix + "text": q.text,
                     prefix + "text_en": q.text_en, prefix + "dimension": q.dimension,
                     prefix + "columns": __import__("json").dumps(q.columns),
                     prefix + "scale_min": "" if q.scale_min is None else str(q.scale_min),
                     prefix + "scale_max": "" if q.scale_max is None else str(q.scale_max),
                     prefix + "low_label": q.low_label, prefix + "low_label_en": q.low_label_en,
                     prefix + "high_label": q.high_label,
                     prefix + "high_label_en": q.high_label_en,
                     prefix + "options": __import__("json").dumps(q.options)})
        if q.required:
            data[prefix + "required"] = "on"
    data.update(changes)
    return data


def test_draft_questions_are_edited_through_the_services(admin_client, company, shipped):
    draft = version_draft(actor=company.admin, instrument=shipped["ces"])
    questions = list(draft.questions.order_by("order", "id"))
    # a bad scale is a form error: nothing changes
    page = admin_client.post(f"/admin/surveys/instrumentversion/{draft.pk}/change/",
                             _inline_form(draft, questions, **{"questions-0-scale_max": "1"}))
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert Question.objects.get(pk=questions[0].pk).scale_max == 7
    # a good change is saved and audited
    page = admin_client.post(f"/admin/surveys/instrumentversion/{draft.pk}/change/",
                             _inline_form(draft, questions, **{"questions-0-scale_max": "5"}))
    assert page.status_code == 302, page.content.decode()[:2000]
    assert Question.objects.get(pk=questions[0].pk).scale_max == 5
    assert SurveyEvent.objects.filter(kind="question_updated", version=draft).exists()


def test_published_questions_cannot_be_changed_in_the_admin(admin_client, shipped):
    version = published(shipped["csat"])
    questions = list(version.questions.order_by("order", "id"))
    admin_client.post(f"/admin/surveys/instrumentversion/{version.pk}/change/",
                      _inline_form(version, questions, **{"questions-0-scale_max": "10"}))
    assert Question.objects.get(pk=questions[0].pk).scale_max == 5
    page = admin_client.get(f"/admin/surveys/question/{questions[0].pk}/change/")
    assert 'name="scale_max"' not in page.content.decode()  # read-only


def test_a_wave_is_created_and_launched_in_the_admin(admin_client, company, shipped):
    page = admin_client.post("/admin/surveys/wave/add/", {
        "name": "门户 NPS", "name_en": "", "version": published(shipped["nps"]).pk,
        "filters": "{}", "sample_size": "", "sample_fraction": "", "seed": "",
        "channel": "portal", "reminder_days": "[]", "expires_days": "30",
        "exclude_recent_days": "0"})
    assert page.status_code == 302, page.content.decode()[:3000]
    wave = Wave.objects.get()
    assert wave.created_by == company.admin and wave.seed is not None
    admin_client.post("/admin/surveys/wave/", {"action": "launch",
                                               "_selected_action": [wave.pk]})
    wave.refresh_from_db()
    assert wave.status == "open" and Invitation.objects.filter(wave=wave).count() == 2
    # a bad wave is a form error
    page = admin_client.post("/admin/surveys/wave/add/", {
        "name": "x", "version": published(shipped["nps"]).pk, "filters": '{"tiers": ["gold"]}',
        "channel": "email", "reminder_days": "[]", "expires_days": "30",
        "exclude_recent_days": "0"})
    assert page.status_code == 200 and Wave.objects.count() == 1


def test_the_csat_policy_screen(admin_client, company, shipped):
    policy = CsatPolicy.objects.get()
    data = {"ticket_type": "", "instrument": shipped["csat"].pk, "delay_minutes": "30",
            "channel": "email", "expires_days": "14", "reminder_days": "[3]", "active": "on"}
    page = admin_client.post(f"/admin/surveys/csatpolicy/{policy.pk}/change/", data)
    assert page.status_code == 302
    policy.refresh_from_db()
    assert policy.active and policy.delay_minutes == 30 and policy.updated_by == company.admin
    page = admin_client.post(f"/admin/surveys/csatpolicy/{policy.pk}/change/",
                             {**data, "instrument": shipped["servqual"].pk})
    assert page.status_code == 200
    policy.refresh_from_db()
    assert policy.instrument == shipped["csat"]


def test_kefu_migrate_creates_the_shipped_instruments(db, capsys):
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "created survey instrument 'servqual'" in out
    assert main(["migrate"]) == 0
    assert "survey instrument" not in capsys.readouterr().out
