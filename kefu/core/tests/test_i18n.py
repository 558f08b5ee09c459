"""The gettext catalogues: complete against the source, well-formed, and really used.

The source comparison needs GNU gettext (it runs makemessages on a temporary copy of the
package); the other tests need only polib. After adding strings, refresh and translate:
``python -m kefu.core.i18n_check --update``, then fill in kefu/locale/zh_Hans/.../django.po.
"""

from __future__ import annotations

import shutil

import polib
import pytest
from django.test import Client, override_settings
from django.utils import translation

from kefu.core import i18n_check
from kefu.core.i18n_compile import compile_all

NO_GETTEXT = (
    "GNU gettext (xgettext) is not installed, so the catalogues cannot be compared with the "
    "source; install it (apt-get install gettext) to run this check"
)
needs_gettext = pytest.mark.skipif(not i18n_check.gettext_available(), reason=NO_GETTEXT)


def _report(findings) -> str:
    lines = [str(f) for f in findings]
    return (f"{len(lines)} i18n problems — run `python -m kefu.core.i18n_check --update` and "
            "translate kefu/locale/zh_Hans/LC_MESSAGES/django.po:\n  " + "\n  ".join(lines))


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(i18n_check.po_path(language)))


@pytest.fixture
def compiled_locale(tmp_path):
    """The committed catalogues compiled into a temporary LOCALE_PATHS (the tree's .mo files,
    possibly stale, are not used; override_settings resets Django's translation caches)."""
    for po in i18n_check.LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        target = tmp_path / po.relative_to(i18n_check.LOCALE_DIR)
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
    assert compile_all(tmp_path), "no catalogue was compiled"
    with override_settings(LOCALE_PATHS=[tmp_path]):
        yield tmp_path


# --- the catalogues against the source (needs gettext) --------------------------------------

@needs_gettext
def test_catalogues_cover_every_string_in_the_source():
    findings = i18n_check.check()
    assert not findings, _report(findings)


@needs_gettext
def test_check_reports_a_new_string_and_leaves_the_catalogue_alone(tmp_path):
    # given a package with a string its catalogue lacks, and one it has
    package = tmp_path / "pkg"
    (package / "locale" / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    (package / "views.py").write_text(
        "from django.utils.translation import gettext as _\n"
        "A = _('Inbox')\nB = _('Hello %(name)s') % {'name': 'x'}\n")
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8",
                   "Plural-Forms": "nplurals=1; plural=0;"}
    po.append(polib.POEntry(msgid="Inbox", msgstr="收件箱"))
    po_file = package / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po.save(str(po_file))
    before = po_file.read_bytes()
    # when the check runs
    findings = i18n_check.check(package_dir=package, locale_dir=package / "locale",
                                languages=["zh_Hans"])
    # then it names the new string, and the committed catalogue is untouched
    assert [(f.kind, f.msgid) for f in findings] == [("missing", "Hello %(name)s")]
    assert "views.py:3" in findings[0].detail
    assert po_file.read_bytes() == before


# --- the catalogues themselves (polib only) -------------------------------------------------

def test_zh_hans_catalogue_is_fully_translated_with_matching_placeholders():
    findings = i18n_check.catalogue_findings(_catalogue("zh_Hans"), "zh_Hans")
    assert not findings, _report(findings)


def test_en_catalogue_has_the_same_msgids_as_zh_hans():
    zh, en = _catalogue("zh_Hans"), _catalogue("en")
    assert not i18n_check.catalogue_findings(en, "en"), _report(
        i18n_check.catalogue_findings(en, "en"))
    assert not i18n_check.missing_findings(zh, en, "en"), _report(
        i18n_check.missing_findings(zh, en, "en"))
    assert not i18n_check.missing_findings(en, zh, "zh_Hans"), _report(
        i18n_check.missing_findings(en, zh, "zh_Hans"))


def test_catalogue_findings_name_untranslated_fuzzy_and_placeholder_problems():
    # given a zh catalogue with one problem of each kind
    po = polib.POFile()
    po.metadata = {"Plural-Forms": "nplurals=1; plural=0;"}
    po.append(polib.POEntry(msgid="Inbox", msgstr=""))
    po.append(polib.POEntry(msgid="Ticket", msgstr="工单", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="Hi %(name)s", msgstr="你好 %(nam)s", flags=["python-format"]))
    po.append(polib.POEntry(msgid="%(n)s person", msgid_plural="%(n)s people",
                            msgstr_plural={0: "人"}, flags=["python-format"]))
    po.append(polib.POEntry(msgid="%d%% done", msgstr="已完成 %d%", flags=["python-format"]))
    po.append(polib.POEntry(msgid="Fine %(a)s %(b)s", msgstr="好 %(b)s %(a)s",
                            flags=["python-format"]))
    # when it is checked
    found = {(f.kind, f.msgid) for f in i18n_check.catalogue_findings(po, "zh_Hans")}
    # then every problem is named, and reordering named placeholders is fine
    assert found == {("untranslated", "Inbox"), ("fuzzy", "Ticket"),
                     ("placeholder", "Hi %(name)s"), ("placeholder", "%(n)s person"),
                     ("placeholder", "%d%% done")}


def test_placeholder_problem_understands_python_formats():
    assert i18n_check.placeholder_problem("%(mb).1f MB", "%(mb).1f 兆", ["python-format"]) is None
    assert i18n_check.placeholder_problem("%(mb).1f MB", "%(mb)s 兆", ["python-format"])
    assert i18n_check.placeholder_problem("%d of %s", "%s 的 %d", ["python-format"])
    assert i18n_check.placeholder_problem("{n} tickets", "{n} 个工单",
                                          ["python-brace-format"]) is None
    assert i18n_check.placeholder_problem("{n} tickets", "{count} 个工单",
                                          ["python-brace-format"])


# --- the compiled catalogue in use -----------------------------------------------------------

def test_compiled_catalogue_translates(compiled_locale):
    with translation.override("zh-hans"):
        assert translation.gettext("Inbox") == "收件箱"
        assert translation.gettext("Owner (first contact)") == "首问负责人"
        assert translation.ngettext("%(n)s person", "%(n)s people", 3) % {"n": 3} == "3 人"
    with translation.override("en"):
        assert translation.gettext("Inbox") == "Inbox"


@pytest.mark.parametrize(("accept_language", "expected", "absent"), [
    ("en", "Sign in", "登录"),
    ("zh-hans", "登录", "Sign in"),
    ("zh-CN,zh;q=0.9", "登录", "Sign in"),
])
def test_login_page_speaks_the_browsers_language(compiled_locale, accept_language, expected,
                                                  absent):
    response = Client().get("/login/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert absent not in html
