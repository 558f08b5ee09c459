"""Importing purchases: everything or nothing, errors with row numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from kefu.cli import main
from kefu.proactive.importer import ImportFailed, import_purchases
from kefu.proactive.models import Purchase


def _csv(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "purchases.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_a_good_file_imports_every_row(company, rice, tmp_path):
    # given a file naming customers by id and by external reference
    company.bob.external_ref = "B-7"
    company.bob.save()
    path = _csv(tmp_path, "customer,customer_ref,product,date,quantity,amount\n"
                          f"{company.alice.pk},,rice,2026-01-05,20,130\n"
                          ",B-7,RICE,2026/1/9,10,\n")
    # when it is imported
    result = import_purchases(path)
    # then both rows are written; a missing amount is quantity × price
    assert (result.purchases, result.customers) == (2, 2)
    bob = Purchase.objects.get(customer=company.bob)
    assert bob.amount == 65 and bob.source == "import"


def test_a_bad_file_writes_nothing_and_names_each_row(company, rice, tmp_path):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    path = _csv(tmp_path, "customer,product,date,quantity\n"
                          f"{company.alice.pk},rice,2026-01-05,20\n"       # row 2 fine
                          f"{company.alice.pk},rice,{future},20\n"          # row 3 future
                          f"{company.alice.pk},rice,2026-01-06,-2\n"        # row 4 negative
                          "999999,rice,2026-01-06,2\n"                      # row 5 unknown customer
                          f"{company.alice.pk},rice,2026-01-06\n"           # row 6 unparseable
                          f"{company.alice.pk},rice,yesterday,1\n"          # row 7 bad date
                          f"{company.alice.pk},sugar,2026-01-06,1\n")       # row 8 unknown product
    with pytest.raises(ImportFailed) as failed, translation.override("en"):
        import_purchases(path)
    errors = failed.value.errors
    assert [e.split(",")[0].split(":")[0] for e in errors] == [
        "row 3", "row 4", "row 5", "row 6", "row 7", "row 8"]
    assert "future" in errors[0] and "quantity" in errors[1] and "unknown customer" in errors[2]
    assert Purchase.objects.count() == 0


def test_gbk_and_xlsx(company, rice, tmp_path):
    from openpyxl import Workbook

    path = _csv(tmp_path, "customer,product,date,quantity\n"
                          f"{company.alice.pk},rice,2026-01-05,20\n", encoding="gbk")
    assert import_purchases(path, encoding="gbk").purchases == 1
    book = Workbook()
    sheet = book.active
    sheet.append(["customer", "product", "date", "quantity"])
    sheet.append([company.bob.pk, "rice", timezone.datetime(2026, 2, 1), 5])
    xlsx = tmp_path / "p.xlsx"
    book.save(xlsx)
    assert import_purchases(str(xlsx)).purchases == 1
    assert Purchase.objects.get(customer=company.bob).date.isoformat() == "2026-02-01"


def test_unknown_columns_and_missing_columns(company, rice, tmp_path):
    with pytest.raises(ImportFailed) as failed, translation.override("en"):
        import_purchases(_csv(tmp_path, "who,product,date\n1,rice,2026-01-01\n"))
    assert "unknown column" in failed.value.errors[0]
    assert "missing column" in failed.value.errors[1]


def test_the_cli(company, rice, tmp_path, capsys):
    bad = _csv(tmp_path, f"customer,product,date,quantity\n{company.alice.pk},rice,2026-01-05,-1\n")
    assert main(["proactive", "import", "purchases", bad, "--no-progress"]) == 1
    assert "row 2" in capsys.readouterr().err and Purchase.objects.count() == 0
    good = _csv(tmp_path, f"customer,product,date,quantity\n{company.alice.pk},rice,2026-01-05,1\n",
                encoding="gbk")
    assert main(["proactive", "import", "purchases", good, "--encoding", "gbk",
                 "--no-progress"]) == 0
    assert "imported 1 purchases" in capsys.readouterr().out
    assert main(["proactive", "import", "purchases", str(tmp_path / "missing.csv")]) == 1
