"""The three file imports (customers, survey responses, purchases) open their files through
``kefu.core.importing``: every way a file can be unreadable is one clear, translated error,
and nothing is written."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.core.importing import ImportFailed
from kefu.customers.importer import import_customers_csv
from kefu.customers.models import Customer
from kefu.proactive.importer import import_purchases
from kefu.surveys.importer import import_responses

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
    with translation.override("zh-hans"):
        assert _error(name, tmp_path / "missing.csv") != f"file not found: {tmp_path / 'missing.csv'}"
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_a_csv_the_csv_module_cannot_read_is_refused(name, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text('name,phone\n"' + "x" * 200_000 + '",1\n', encoding="utf-8")
    with translation.override("en"):
        assert _error(name, broken).startswith("not a valid CSV file: field larger than")
