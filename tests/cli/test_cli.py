"""The `kefu` command line, called in-process through kefu.cli.main. `kefu demo` is tested in
kefu/demo/tests/test_survey_demo.py, on the one demo build all the demo's tests read."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from kefu.accounts.models import ApiToken, User
from kefu.accounts.services import token_digest
from kefu.cli import main
from kefu.customers.models import Customer
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_createuser_and_token(capsys, company):
    assert main(["createuser", "xiaoli", "--role", "agent", "--password", "s3cret-pass",
                 "--team", "east-desk", "--branch", "east"]) == 0
    user = User.objects.get(username="xiaoli")
    assert user.role == "agent" and user.check_password("s3cret-pass")
    assert list(user.teams.values_list("code", flat=True)) == ["east-desk"]
    capsys.readouterr()
    assert main(["token", "create", "--user", "xiaoli"]) == 0
    raw = capsys.readouterr().out.strip()
    # the token is stored only as its hash
    assert raw.startswith("kefu_") and not ApiToken.objects.filter(digest=raw).exists()
    assert ApiToken.objects.get(digest=token_digest(raw)).user == user


def test_createuser_rejects_duplicates_and_unknown_team(capsys, company):
    assert main(["createuser", "agent-east", "--role", "agent", "--password", "x" * 10]) == 1
    assert main(["createuser", "newbie", "--role", "agent", "--password", "x" * 10,
                 "--team", "nope"]) == 1
    assert not User.objects.filter(username="newbie").exists()


def test_token_for_unknown_user_fails(capsys, db):
    assert main(["token", "create", "--user", "ghost"]) == 1
    assert "ghost" in capsys.readouterr().err


def test_import_customers_utf8_with_tags_and_update(tmp_path, capsys, company):
    path = write(tmp_path, "c.csv",
                 "name,name_en,email,phone,tier,branch,tags,external_ref,consent_email\n"
                 "张三,Zhang San,zs@example.com,13800000000,vip,east,老客户;定期配送,X1,是\n"
                 "Jane Doe,,jane@example.com,,,,,X2,no\n")
    assert main(["import", "customers", path, "--no-progress"]) == 0
    zs = Customer.objects.get(external_ref="X1")
    assert zs.tier.code == "vip" and zs.branch.code == "east" and zs.consent_email
    assert sorted(zs.tags.values_list("name", flat=True)) == ["定期配送", "老客户"]
    # re-importing with the same external_ref updates instead of duplicating
    path2 = write(tmp_path, "c2.csv", "name,external_ref,phone\n张三丰,X1,13900000000\n")
    assert main(["import", "customers", path2, "--no-progress"]) == 0
    zs.refresh_from_db()
    assert zs.name == "张三丰" and Customer.objects.filter(external_ref="X1").count() == 1


def test_import_gbk_file_with_encoding_flag(tmp_path, company):
    path = write(tmp_path, "gbk.csv", "name,phone\n李四,13700000000\n", encoding="gbk")
    assert main(["import", "customers", path, "--encoding", "gbk", "--no-progress"]) == 0
    assert Customer.objects.filter(name="李四").exists()


def test_bad_import_names_row_and_column_and_changes_nothing(tmp_path, capsys, company):
    before = Customer.objects.count()
    path = write(tmp_path, "bad.csv", "name,email,tier\n好人,ok@example.com,vip\n"
                                      "坏人,not-an-email,vip\n,x@example.com,\n无名,,diamond\n")
    assert main(["import", "customers", path, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "row 3, column email" in err
    assert "row 4, column name" in err
    assert "row 5, column tier" in err
    assert "nothing was imported" in err
    assert Customer.objects.count() == before


def test_import_wrong_encoding_is_a_clear_error(tmp_path, capsys, company):
    path = write(tmp_path, "gbk.csv", "name\n王五\n", encoding="gbk")
    assert main(["import", "customers", path, "--no-progress"]) == 1
    assert "--encoding gbk" in capsys.readouterr().err


def test_import_unknown_column_is_refused(tmp_path, capsys, company):
    path = write(tmp_path, "x.csv", "name,shoe_size\n王五,42\n")
    assert main(["import", "customers", path, "--no-progress"]) == 1
    assert "shoe_size" in capsys.readouterr().err


def test_export_tickets_csv_and_xlsx(tmp_path, capsys, company, make_ticket):
    make_ticket(company.agent_east, company.alice, subject="发票问题")
    make_ticket(company.agent_hq, company.bob, subject="Late delivery", type="complaint")
    assert main(["export", "tickets"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["id", "subject", "type"]
    assert {r[1] for r in rows[1:]} == {"发票问题", "Late delivery"}
    out = tmp_path / "t.xlsx"
    assert main(["export", "tickets", "--format", "xlsx", "-o", str(out)]) == 0
    sheet = load_workbook(out).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 1 + Ticket.objects.count()
    assert "发票问题" in {v[1] for v in values[1:]}


def test_createuser_with_username_option_links_a_customer(capsys, company):
    from kefu.customers.models import Customer

    carol = Customer.objects.create(name="卡罗", tier=company.regular)
    assert main(["createuser", "--username", "carol", "--role", "customer", "--password",
                 "carol-pass-1", "--customer", str(carol.pk)]) == 0
    carol.refresh_from_db()
    assert carol.user.username == "carol"
    # a second login for the same customer is refused and nothing is created
    assert main(["createuser", "carol2", "--role", "customer", "--password", "carol-pass-2",
                 "--customer", str(carol.pk)]) == 1
    assert not User.objects.filter(username="carol2").exists()
    assert main(["createuser", "--role", "agent"]) == 2

