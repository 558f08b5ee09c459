"""``kefu surveys export`` / ``import``: a round trip of CSV and XLSX keeps every answer;
a bad file (any encoding) is refused with errors naming row and column, and nothing is
stored."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from kefu.cli import main
from kefu.surveys import rollups
from kefu.surveys.export import HEADER, export_responses
from kefu.surveys.importer import ImportFailed, import_responses
from kefu.surveys.instruments_data import SERVQUAL_ITEMS
from kefu.surveys.models import Answer, Response, Rollup
from kefu.surveys.services.responses import response_submit

from .conftest import servqual_answers

ITEMS = [code for code, *_rest in SERVQUAL_ITEMS]


@pytest.fixture(autouse=True)
def in_english():
    """Error messages in English (``kefu surveys import`` defaults to it)."""
    with translation.override("en"):
        yield


def write_csv(path, rows, header=None, encoding="utf-8"):
    header = header or ["response", "instrument", "submitted_at", "branch", "question", "column",
                        "value", "choices", "text"]
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def servqual_rows(ref, value=5, branch="east", when="2026-03-05T10:00:00+08:00"):
    rows = []
    for code in ITEMS:
        for column in ("expectation", "perception"):
            rows.append([ref, "servqual", when, branch, code, column, value, "", ""])
    return rows


def test_a_servqual_file_is_imported_with_rollups(company, shipped, tmp_path):
    path = write_csv(tmp_path / "in.csv", servqual_rows("R1") + servqual_rows("R2", value=6) + [
        ["R1", "servqual", "2026-03-05T10:00:00+08:00", "east", "weights", "weight_tangibles",
         40, "", ""],
        ["R1", "servqual", "2026-03-05T10:00:00+08:00", "east", "weights", "weight_empathy",
         60, "", ""]])
    result = import_responses(path)
    assert (result.responses, result.answers) == (2, 88 + 5)
    r1 = Response.objects.get(external_ref="R1")
    assert (r1.source, r1.branch, r1.period.isoformat()) == ("import", company.east, "2026-03-01")
    weights = dict(Answer.objects.filter(response=r1, question__code="weights")
                   .values_list("column", "value"))
    assert weights == {11: 40, 12: 0, 13: 0, 14: 0, 15: 60}
    assert rollups.stored() == rollups.recompute()
    # the same file again: every response was imported already
    with pytest.raises(ImportFailed) as failed:
        import_responses(path)
    assert failed.value.errors[0] == "row 2, column response: response R1 of servqual was " \
                                     "imported already"
    assert Response.objects.count() == 2


@pytest.mark.parametrize("rows, error", [
    ([["R1", "servqual", "", "", "tan1", "expectation", "8", "", ""]],
     "row 2, column value: The answer to tan1"),
    ([["R1", "servqual", "", "", "tan1", "desired", "5", "", ""]],
     "row 2, column value: tan1"),
    ([["R1", "servqual", "", "", "tan99", "perception", "5", "", ""]],
     "row 2, column question: servqual version 1 has no question 'tan99'"),
    ([["R1", "servqual", "", "", "tan1", "perception", "five", "", ""]],
     "row 2, column value: expected a whole number, got 'five'"),
    ([["R1", "quality", "", "", "tan1", "perception", "5", "", ""]],
     "row 2, column instrument: unknown instrument 'quality'"),
    ([["R1", "servqual", "2026-03-05", "", "tan1", "perception", "5", "", ""]],
     "row 2, column submitted_at: expected an ISO 8601 time with a time zone"),
    ([["R1", "servqual", "", "north", "tan1", "perception", "5", "", ""]],
     "row 2, column branch: unknown branch 'north'"),
    ([["", "servqual", "", "", "tan1", "perception", "5", "", ""]],
     "row 2, column response: empty"),
    ([["C1", "csat", "", "", "rating", "value", "4", "", ""],
      ["C1", "csat", "", "", "reasons", "value", "", "speed|price", ""]],
     "row 3, column choices: price is not an option of reasons"),
    ([["C1", "csat", "", "", "rating", "value", "4", "", ""],
      ["C1", "csat", "", "", "rating", "value", "5", "", ""]],
     "row 3, column question: rating (value) appears twice in response C1"),
    ([["C1", "csat", "", "", "comment", "value", "", "", "好"]],
     "row 2, column question: Please answer rating"),
])
def test_bad_rows_are_named_and_nothing_is_stored(company, shipped, tmp_path, rows, error):
    # a good response first: it must not be stored either
    path = write_csv(tmp_path / "bad.csv", rows + servqual_rows("GOOD"))
    with pytest.raises(ImportFailed) as failed:
        import_responses(path)
    assert any(e.startswith(error) for e in failed.value.errors), failed.value.errors
    assert not Response.objects.exists() and not Rollup.objects.exists()


def test_weights_that_do_not_add_up_are_named(company, shipped, tmp_path):
    rows = servqual_rows("R1")[:44] + [
        ["R1", "servqual", "", "", "weights", "weight_tangibles", "30", "", ""],
        ["R1", "servqual", "", "", "weights", "weight_empathy", "30", "", ""]]
    with pytest.raises(ImportFailed) as failed:
        import_responses(write_csv(tmp_path / "w.csv", rows))
    error = failed.value.errors[0]
    assert error.startswith("row 46, column value: The points of weights (")
    assert error.endswith(") must add up to 100 (they add up to 60).")


def test_a_gbk_file_and_a_wrong_encoding(company, shipped, tmp_path):
    rows = [["客户甲", "csat", "", "", "rating", "value", "5", "", ""],
            ["客户甲", "csat", "", "", "comment", "value", "", "", "送货很快，谢谢"]]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    with pytest.raises(ImportFailed) as failed:
        import_responses(path)
    assert "try --encoding gbk" in failed.value.errors[0]
    assert import_responses(path, encoding="gbk").responses == 1
    assert Answer.objects.get(question__code="comment").text == "送货很快，谢谢"


@pytest.mark.parametrize("header, error", [
    (["instrument", "question", "value"], "the header has no 'response' column"),
    (["response", "instrument", "question", "colour"], "unknown column(s): colour"),
])
def test_bad_headers(company, shipped, tmp_path, header, error):
    with pytest.raises(ImportFailed) as failed:
        import_responses(write_csv(tmp_path / "h.csv", [], header=header))
    assert failed.value.errors[0].startswith(error)


def test_export_then_import_elsewhere_keeps_every_answer(company, shipped, invite_to, tmp_path,
                                                         make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    _inv, token = invite_to(shipped["csat"], customer=company.alice, ticket=ticket,
                            branch_id=company.east.pk, agent_id=company.agent_east.pk,
                            tier_id=company.vip.pk, contact_channel="phone")
    response_submit(token=token, answers={"rating": 2, "reasons": ["speed", "attitude"],
                                          "comment": "太慢, \"再快点\""})
    _inv, token = invite_to(shipped["servqual3"], customer=company.bob)
    response_submit(token=token, answers=servqual_answers(("desired", "adequate",
                                                           "perception")), anonymous=True)
    out = tmp_path / "out.csv"
    assert export_responses(fmt="csv", output=str(out)) == 3 + 66 + 5
    exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(exported[0]) == HEADER
    csat = [r for r in exported if r["instrument"] == "csat"]
    assert {r["question"]: (r["value"], r["choices"], r["text"]) for r in csat} == {
        "rating": ("2", "", ""), "reasons": ("", "speed|attitude", ""),
        "comment": ("", "", '太慢, "再快点"')}
    assert csat[0]["customer"] == str(company.alice.pk) and csat[0]["agent"] == "agent-east"
    anonymous = [r for r in exported if r["instrument"] == "servqual3"]
    assert {r["customer"] for r in anonymous} == {""} and anonymous[0]["anonymous"] == "yes"
    # importing the export into this same database is refused: they are its own responses
    with pytest.raises(ImportFailed) as failed:
        import_responses(str(out))
    assert "this database's own" in failed.value.errors[0]
    # into another database (here: after removing them) it restores every answer
    before = sorted(Answer.objects.values_list("question_id", "column", "value", "text"))
    Response.objects.all().delete()
    Rollup.objects.all().delete()
    result = import_responses(str(out))
    assert result.responses == 2
    assert sorted(Answer.objects.values_list("question_id", "column", "value", "text")) == before
    assert set(Response.objects.values_list("source", flat=True)) == {"import"}
    assert rollups.stored() == rollups.recompute()


def test_xlsx_both_ways(company, shipped, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["response", "instrument", "question", "column", "value", "text"])
    sheet.append(["X1", "nps", "score", "value", 9, None])
    sheet.append(["X1", "nps", "why", "value", None, "服务好"])
    sheet.append(["X2", "nps", "score", "value", 11, None])
    path = tmp_path / "in.xlsx"
    book.save(path)
    with pytest.raises(ImportFailed) as failed:
        import_responses(str(path))
    assert failed.value.errors[0].startswith("row 4, column value: The answer to score")
    sheet.delete_rows(4)
    book.save(path)
    assert import_responses(str(path)).responses == 1
    out = tmp_path / "out.xlsx"
    assert export_responses(fmt="xlsx", output=str(out)) == 2


def test_the_cli(company, shipped, tmp_path, capsys):
    path = write_csv(tmp_path / "in.csv", [["R1", "nps", "", "", "score", "value", "12", "", ""]])
    assert main(["surveys", "import", path, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "row 2, column value: The answer to score" in err and "nothing was imported" in err
    path = write_csv(tmp_path / "in.csv", [["R1", "nps", "", "", "score", "value", "10", "", ""]])
    assert main(["surveys", "import", path, "--no-progress"]) == 0
    assert "imported 1 responses" in capsys.readouterr().out
    out = tmp_path / "export.csv"
    assert main(["surveys", "export", "-o", str(out), "--instrument", "nps"]) == 0
    assert "R1" in out.read_text(encoding="utf-8-sig")
    assert main(["surveys", "export", "--since", "yesterday"]) == 2
    assert main(["surveys", "rollups"]) == 0
    assert main(["surveys", "rollups", "--instrument", "nope"]) == 1
    assert main(["surveys", "jobs"]) == 0
