"""The three file imports (customers, survey responses, purchases) open their files through
``kefu.core.importing``: every way a file can be unreadable is one clear, translated error,
and nothing is written."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from kefu.core.importing import ImportFailed
from kefu.customers.importer import import_customers_csv
from kefu.customers.models import Customer
from kefu.proactive.importer import import_purchases
from kefu.proactive.models import Purchase
from kefu.surveys.importer import import_responses
from kefu.surveys.models import Response

pytestmark = pytest.mark.django_db

IMPORTS = {
    "customers": lambda path, **kw: import_customers_csv(path, **kw),
    "responses": lambda path, **kw: import_responses(path, **kw),
    "purchases": lambda path, **kw: import_purchases(path, **kw),
}


def _error(name, path, **kw) -> str:
    with pytest.raises(ImportFailed) as caught:
        IMPORTS[name](str(path), **kw)
    return caught.value.errors[0]


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_every_import_names_what_is_wrong_with_the_file(name, tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("name,phone\n张三,13800000000\n".encode("gbk"))
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_text("not a workbook", encoding="utf-8")
    with translation.override("en"):
        assert _error(name, tmp_path / "missing.csv") == (
            f"file not found: {tmp_path / 'missing.csv'}")
        assert _error(name, gbk, encoding="no-such-codec") == "unknown encoding: no-such-codec"
        assert _error(name, gbk, encoding="utf-8").startswith("the file is not valid utf-8 (byte ")
        assert "--encoding gbk" in _error(name, gbk, encoding="utf-8")
        if name != "customers":  # (customers are imported from CSV only)
            assert _error(name, not_xlsx).startswith("not a valid XLSX file: ")
        assert _error(name, tmp_path).startswith(f"cannot read {tmp_path}: ")  # a directory
    with translation.override("zh-hans"):
        expected = gettext("file not found: %(path)s") % {"path": tmp_path / "missing.csv"}
        assert expected.startswith("找不到文件")
        assert _error(name, tmp_path / "missing.csv") == expected
    assert (Customer.objects.count(), Response.objects.count(), Purchase.objects.count()) == (
        0, 0, 0)


def test_the_command_line_speaks_the_language_asked(tmp_path, capsys):
    from kefu.cli import main

    missing = tmp_path / "missing.csv"
    assert main(["import", "customers", str(missing), "--no-progress"]) == 1
    assert f"error: file not found: {missing}" in capsys.readouterr().err
    assert main(["import", "customers", str(missing), "--no-progress",
                 "--language", "zh-hans"]) == 1
    assert "找不到文件" in capsys.readouterr().err


def test_only_reading_problems_become_file_errors(tmp_path):
    from kefu.core.importing import opened_csv

    path = tmp_path / "ok.csv"
    path.write_text("name\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="more than"), opened_csv(str(path), "utf-8") as fh:
        raise ImportFailed(["more than 3 rows"])
    with pytest.raises(KeyError), opened_csv(str(path), "utf-8") as fh:
        raise KeyError("a bug, not an encoding")
    assert fh.closed


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_a_csv_the_csv_module_cannot_read_is_refused(name, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text('name,phone\n"' + "x" * 200_000 + '",1\n', encoding="utf-8")
    with translation.override("en"):
        assert _error(name, broken).startswith("not a valid CSV file: field larger than")
