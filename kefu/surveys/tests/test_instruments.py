"""Instruments: the shipped ones (created once, 22 SERVQUAL items over five dimensions in
both languages), versioning (drafts only are edited; publishing retires the previous one;
answered versions never change) and who may do what, through the services and the API."""

from __future__ import annotations

from collections import Counter

import pytest

from kefu.core.errors import ApplicationError
from kefu.surveys import rules
from kefu.surveys.defaults import ensure_defaults
from kefu.surveys.models import (
    CsatPolicy,
    Instrument,
    InstrumentVersion,
    Question,
    SurveyEvent,
)
from kefu.surveys.services import instruments as services
from kefu.surveys.services.responses import response_submit

from .conftest import published


def test_shipped_instruments_are_created_once_and_never_overwritten(db):
    # given a fresh database
    created = ensure_defaults()
    # then every shipped instrument exists with a published version 1, and a switched-off
    # CSAT policy
    assert sorted(Instrument.objects.values_list("code", flat=True)) == [
        "ces", "csat", "management", "nps", "servperf", "servqual", "servqual3"]
    assert len(created) == 8
    assert all(v.status == "published" and v.number == 1 for v in InstrumentVersion.objects.all())
    policy = CsatPolicy.objects.get()
    assert policy.instrument.code == "csat" and policy.active is False
    # when an admin renames one and the defaults run again
    Instrument.objects.filter(code="nps").update(name="推荐度")
    assert ensure_defaults() == []
    # then nothing is duplicated or overwritten
    assert Instrument.objects.get(code="nps").name == "推荐度"
    assert InstrumentVersion.objects.count() == 7 and CsatPolicy.objects.count() == 1


@pytest.mark.parametrize("code, columns", [
    ("servqual", ["expectation", "perception"]),
    ("servqual3", ["desired", "adequate", "perception"]),
    ("servperf", ["perception"]),
    ("management", ["expectation"]),
])
def test_servqual_forms_ask_22_items_over_five_dimensions(shipped, code, columns):
    questions = list(published(shipped[code]).questions.all())
    items = [q for q in questions if q.kind == "servqual"]
    assert len(items) == 22
    assert Counter(q.dimension for q in items) == {"tangibles": 4, "reliability": 5,
                                                   "responsiveness": 4, "assurance": 4,
                                                   "empathy": 5}
    assert all(q.columns == columns and (q.scale_min, q.scale_max) == (1, 7) for q in items)
    assert all(q.text and q.text_en and q.text != q.text_en for q in items)
    assert len({q.text for q in items}) == 22 and len({q.text_en for q in items}) == 22
    weights = [q for q in questions if q.kind == "weights"]
    assert len(weights) == 1 and weights[0].required is False
    # the same item keeps its code in every form: gap 1 compares management with customers
    assert [q.code for q in items] == [q.code for q in published(shipped["servqual"])
                                       .questions.filter(kind="servqual")]


def test_csat_nps_and_ces_scales(shipped):
    def scale(code, question):
        q = published(shipped[code]).questions.get(code=question)
        return q.kind, q.scale_min, q.scale_max, q.required

    assert scale("csat", "rating") == ("rating", 1, 5, True)
    assert scale("nps", "score") == ("rating", 0, 10, True)
    assert scale("ces", "effort") == ("likert", 1, 7, True)
    reasons = published(shipped["csat"]).questions.get(code="reasons")
    assert reasons.kind == "multiple" and len(reasons.options) == 6
    assert published(shipped["csat"]).questions.get(code="comment").kind == "text"


def test_editing_a_published_instrument_makes_a_new_draft(company, shipped):
    # given the published CSAT v1
    csat = shipped["csat"]
    v1 = published(csat)
    # a published version cannot be edited
    with pytest.raises(ApplicationError) as refused:
        services.question_add(actor=company.admin, version=v1,
                              data={"code": "again", "kind": "text", "text": "还会再来吗？"})
    assert refused.value.code == "version_not_draft" and refused.value.status == 409
    # when the admin asks for a draft, it copies v1
    draft = services.version_draft(actor=company.admin, instrument=csat)
    assert draft.number == 2 and draft.status == "draft"
    assert [q.code for q in draft.questions.all()] == ["rating", "reasons", "comment"]
    assert services.version_draft(actor=company.admin, instrument=csat) == draft  # one draft
    services.question_add(actor=company.admin, version=draft,
                          data={"code": "again", "kind": "single", "text": "还会再来吗？",
                                "text_en": "Would you come back?",
                                "options": [{"code": "yes", "label": "会"},
                                            {"code": "no", "label": "不会"}]})
    rating = draft.questions.get(code="rating")
    services.question_update(actor=company.admin, question=rating,
                             data={"text_en": "How satisfied are you?"})
    # then publishing it retires v1, whose questions are untouched
    services.version_publish(actor=company.admin, version=draft)
    v1.refresh_from_db()
    assert v1.status == "retired" and v1.retired_at is not None
    assert v1.questions.count() == 3
    assert v1.questions.get(code="rating").text_en.startswith("Overall")
    assert published(csat) == draft and draft.questions.count() == 4
    kinds = list(SurveyEvent.objects.filter(instrument=csat).order_by("id")
                 .values_list("kind", flat=True))
    assert kinds[-4:] == ["version_drafted", "question_added", "question_updated",
                          "version_published"]


def test_an_answered_version_never_changes(company, shipped, invite_to):
    # given an answer to CSAT v1
    _inv, token = invite_to(shipped["csat"], customer=company.alice)
    response_submit(token=token, answers={"rating": 5})
    v1 = published(shipped["csat"])
    rating = v1.questions.get(code="rating")
    # then neither its questions nor its introduction can be changed or removed
    for call in (lambda: services.question_update(actor=company.admin, question=rating,
                                                  data={"scale_max": 10}),
                 lambda: services.question_remove(actor=company.admin, question=rating),
                 lambda: services.version_update(actor=company.admin, version=v1, intro="新")):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == "version_not_draft"
    rating.refresh_from_db()
    assert rating.scale_max == 5


def test_instrument_rules_are_checked(company, shipped):
    admin = company.admin
    instrument = services.instrument_create(actor=admin, code="branch-visit", kind="custom",
                                            name="网点体验", name_en="Branch visit")
    draft = instrument.versions.get()
    # a version without questions cannot be published
    with pytest.raises(ApplicationError) as refused:
        services.version_publish(actor=admin, version=draft)
    assert refused.value.code == "no_questions"
    bad = [
        ({"code": "Bad Code", "kind": "text", "text": "x"}, "invalid_code"),
        ({"code": "a", "kind": "hologram", "text": "x"}, "invalid_kind"),
        ({"code": "a", "kind": "text", "text": ""}, "required"),
        ({"code": "a", "kind": "rating", "text": "x", "scale_min": 5, "scale_max": 1},
         "invalid_scale"),
        ({"code": "a", "kind": "single", "text": "x", "options": [{"code": "y", "label": "是"}]},
         "invalid_options"),
        ({"code": "a", "kind": "servqual", "text": "x"}, "dimension_required"),
        ({"code": "a", "kind": "servqual", "text": "x", "dimension": "empathy",
          "columns": ["importance"]}, "invalid_columns"),
        ({"code": "a", "kind": "text", "text": "x", "columns": ["perception"]},
         "invalid_columns"),
        ({"code": "a", "kind": "text", "text": "x", "colour": "red"}, "invalid_field"),
    ]
    for data, code in bad:
        with pytest.raises(ApplicationError) as refused:
            services.question_add(actor=admin, version=draft, data=data)
        assert refused.value.code == code, data
    assert not draft.questions.exists()
    q = services.question_add(actor=admin, version=draft, data={
        "code": "staff", "kind": "servqual", "text": "员工热情", "dimension": "empathy"})
    assert q.columns == ["perception"] and (q.scale_min, q.scale_max) == (1, 7)
    with pytest.raises(ApplicationError) as refused:
        services.question_add(actor=admin, version=draft, data={"code": "staff", "kind": "text",
                                                                "text": "again"})
    assert refused.value.code == "code_taken"
    services.version_publish(actor=admin, version=draft)
    with pytest.raises(ApplicationError) as refused:
        services.instrument_create(actor=admin, code="branch-visit", kind="custom", name="x")
    assert refused.value.code == "code_taken"


@pytest.mark.parametrize("who", ["supervisor_east", "agent_east", "auditor", "customer_user"])
def test_only_admins_change_instruments(company, shipped, who):
    user = getattr(company, who)
    csat = shipped["csat"]
    for call in (lambda: services.instrument_create(actor=user, code="x", kind="custom", name="x"),
                 lambda: services.version_draft(actor=user, instrument=csat),
                 lambda: services.instrument_update(actor=user, instrument=csat, name="x")):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.status == 403
    assert csat.versions.count() == 1 and Instrument.objects.count() == 7


# --- through the API -----------------------------------------------------------------------

def test_staff_read_instruments_customers_do_not(company, shipped, api_as):
    for user in (company.agent_east, company.auditor, company.supervisor_east, company.admin):
        body = api_as(user).get("/api/v1/surveys/instruments").json()
        assert [i["code"] for i in body["items"]] == sorted(
            ["ces", "csat", "management", "nps", "servperf", "servqual", "servqual3"])
    version = published(shipped["servqual"])
    detail = api_as(company.agent_east).get(f"/api/v1/surveys/versions/{version.pk}").json()
    assert len(detail["questions"]) == 23 and detail["answered"] is False
    customer = api_as(company.customer_user)
    assert customer.get("/api/v1/surveys/instruments").status_code == 403
    assert customer.get(f"/api/v1/surveys/versions/{version.pk}").status_code == 403
    assert api_as(None).get("/api/v1/surveys/instruments").status_code == 401


def test_admin_builds_and_publishes_an_instrument_through_the_api(company, shipped, api_as):
    admin = api_as(company.admin)
    created = admin.post("/api/v1/surveys/instruments", {
        "code": "delivery", "kind": "custom", "name": "送货体验", "name_en": "Delivery"})
    assert created.status_code == 201, created.content
    draft_id = created.json()["versions"][0]["id"]
    q = admin.post(f"/api/v1/surveys/versions/{draft_id}/questions", {
        "code": "on_time", "kind": "likert", "text": "送货准时", "text_en": "Delivered on time",
        "scale_min": 1, "scale_max": 5})
    assert q.status_code == 201, q.content
    patched = admin.patch(f"/api/v1/surveys/questions/{q.json()['id']}", {"required": False})
    assert patched.json()["required"] is False
    published_ = admin.post(f"/api/v1/surveys/versions/{draft_id}/publish")
    assert published_.json()["status"] == "published"
    # a published version answers 409 to any edit; a draft is made to edit it
    again = admin.post(f"/api/v1/surveys/versions/{draft_id}/questions",
                       {"code": "more", "kind": "text", "text": "更多"})
    assert again.status_code == 409 and again.json()["code"] == "version_not_draft"
    draft = admin.post(f"/api/v1/surveys/instruments/{created.json()['id']}/draft")
    assert draft.json()["number"] == 2 and len(draft.json()["questions"]) == 1


@pytest.mark.parametrize("who", ["agent_east", "supervisor_east", "auditor"])
def test_non_admins_cannot_write_instruments_through_the_api(company, shipped, api_as, who):
    client = api_as(getattr(company, who))
    version = published(shipped["csat"])
    question = version.questions.get(code="rating")
    assert client.post("/api/v1/surveys/instruments", {
        "code": "x", "kind": "custom", "name": "x"}).status_code == 403
    assert client.post(f"/api/v1/surveys/instruments/{shipped['csat'].pk}/draft") \
        .status_code == 403
    assert client.patch(f"/api/v1/surveys/questions/{question.pk}",
                        {"required": False}).status_code == 403
    assert client.post(f"/api/v1/surveys/versions/{version.pk}/retire").status_code == 403
    assert Instrument.objects.count() == 7 and InstrumentVersion.objects.count() == 7


def test_bad_instrument_input_is_refused_by_the_api(company, shipped, api_as):
    admin = api_as(company.admin)
    for body in ({"code": "x", "kind": "quiz", "name": "x"},
                 {"code": "x", "kind": "custom", "name": ""},
                 {"code": "x", "kind": "custom", "name": "x", "extra": 1},
                 {"code": "x", "kind": "custom", "name": "x", "anonymous_allowed": "yes"}):
        response = admin.post("/api/v1/surveys/instruments", body)
        assert response.status_code == 422, body
    assert admin.get("/api/v1/surveys/instruments/999999").status_code == 404
    assert admin.get("/api/v1/surveys/versions/abc").status_code == 422
    assert Instrument.objects.count() == 7
    assert Question.objects.filter(version__status=rules.VersionStatus.DRAFT).count() == 0
