"""What a fresh installation needs to measure service quality: the shipped instruments
(CSAT, NPS, CES, SERVQUAL in its expectation/perception, three-column and perception-only
forms, the management-perception survey), each with a published version 1, and a CSAT
policy that is switched off until an administrator switches it on. Run by ``kefu migrate``;
idempotent; never overwrites edits (an instrument whose code exists is left alone)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import rules
from .instruments_data import INSTRUMENTS
from .models import CsatPolicy, Instrument, InstrumentVersion, Question, SurveyEvent
from .services.instruments import clean_question


def _create(code: str, spec: dict, now) -> Instrument:
    instrument = Instrument.objects.create(
        code=code, kind=spec["kind"], name=spec["name"], name_en=spec["name_en"],
        anonymous_allowed=spec["anonymous_allowed"], created_at=now)
    version = InstrumentVersion.objects.create(
        instrument=instrument, number=1, status=rules.VersionStatus.PUBLISHED,
        intro=spec["intro"], intro_en=spec["intro_en"], created_at=now, published_at=now)
    questions = []
    for order, data in enumerate(spec["questions"], start=1):
        fields = clean_question({**data, "order": order * 10}, instrument_kind=spec["kind"])
        questions.append(Question(version=version, **fields))
    Question.objects.bulk_create(questions)
    SurveyEvent.objects.create(kind="instrument_created", instrument=instrument,
                               version=version, created_at=now,
                               data={"code": code, "kind": spec["kind"], "shipped": True})
    return instrument


@transaction.atomic
def ensure_defaults() -> list[str]:
    done = []
    now = timezone.now()
    existing = set(Instrument.objects.filter(code__in=list(INSTRUMENTS))
                   .values_list("code", flat=True))
    for code, spec in INSTRUMENTS.items():
        if code not in existing:
            _create(code, spec, now)
            done.append(f"survey instrument '{code}'")
    if not CsatPolicy.objects.exists():
        csat = Instrument.objects.filter(code="csat").first()
        if csat is not None:
            CsatPolicy.objects.create(ticket_type="", instrument=csat, delay_minutes=60,
                                      channel=rules.Channel.EMAIL, expires_days=14,
                                      reminder_days=[3], active=False, active_since=now,
                                      updated_at=now)
            done.append("CSAT policy (switched off)")
    return done
