"""Check the gettext catalogues against the source code.

    python -m kefu.core.i18n_check            # report problems; exit 1 if there are any
    python -m kefu.core.i18n_check --update   # refresh the committed .po files from the source

The check runs ``makemessages`` on a temporary copy of the package, so the committed .po
files are never touched, and reports:

* ``missing``      a msgid in the source that a committed catalogue lacks (zh_Hans and en);
* ``untranslated`` a zh_Hans entry with an empty msgstr;
* ``fuzzy``        a zh_Hans entry marked fuzzy (gettext skips it: the user sees English);
* ``placeholder``  a msgstr whose ``%(name)s`` / ``%d`` / ``{name}`` placeholders differ
  from its msgid's (a KeyError or a lost value at run time);
* ``header``       a catalogue header that is fuzzy or lacks Plural-Forms.

English is the source language, so en entries may stay empty; they are checked for
presence, and for placeholders where someone did fill them in.

Folders named in ``IGNORED_DIRS`` (tests, static files, …) are not read, by the check
or by ``--update``. Comparing with the source needs GNU gettext (xgettext, msguniq,
msgmerge, msgattrib); the catalogue checks alone (``catalogue_findings``) need only polib.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
DOMAIN = "django"
LANGUAGES = ("zh_Hans", "en")
MUST_TRANSLATE = frozenset({"zh_Hans"})
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
# Files makemessages reads for the "django" domain, and folders whose strings no user sees.
SOURCE_SUFFIXES = (".py", ".html", ".txt")
IGNORED_DIRS = (
    "node_modules", ".venv", "venv", "__pycache__", "locale", "static", "tests", "testing",
)


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | untranslated | fuzzy | placeholder | header | error
    language: str
    msgid: str
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.kind:<12} {self.language:<8} {self.msgid!r}"
        return f"{text}  — {self.detail}" if self.detail else text


class GettextNotInstalled(RuntimeError):
    pass


def gettext_available() -> bool:
    return all(shutil.which(tool) for tool in GETTEXT_TOOLS)


# --- placeholders -----------------------------------------------------------------------

_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)
_BRACE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def percent_placeholders(text: str) -> tuple[frozenset[str], tuple[str, ...], bool]:
    """(named placeholders, positional placeholders in order, has a stray '%')."""
    named, positional = set(), []
    for match in _PERCENT.finditer(text):
        token = match.group(0)
        if token == "%%":
            continue
        if match.group("name") is not None:
            named.add(token)
        else:
            positional.append(token)
    stray = "%" in _PERCENT.sub("", text)
    return frozenset(named), tuple(positional), stray


def brace_placeholders(text: str) -> frozenset[str]:
    return frozenset(m.group(1) for m in _BRACE.finditer(text) if m.group(1) is not None)


def placeholder_problem(msgid: str, msgstr: str, flags: Iterable[str] = ()) -> str | None:
    """Why msgstr cannot stand in for msgid at run time, or None when it can."""
    flags = set(flags)
    if "python-format" in flags or (
        "no-python-format" not in flags and re.search(r"%\([^)]+\)", msgid)
    ):
        want_named, want_pos, _ = percent_placeholders(msgid)
        got_named, got_pos, stray = percent_placeholders(msgstr)
        if want_named != got_named:
            return (f"msgid has {sorted(want_named) or 'no named placeholders'}, "
                    f"msgstr has {sorted(got_named) or 'none'}")
        if want_pos != got_pos:
            return f"msgid has {list(want_pos)}, msgstr has {list(got_pos)}"
        if stray:
            return "msgstr has a '%' that is not a placeholder (write '%%')"
    if "python-brace-format" in flags:
        want, got = brace_placeholders(msgid), brace_placeholders(msgstr)
        if want != got:
            return f"msgid has {sorted(want)}, msgstr has {sorted(got)}"
    return None


# --- the committed catalogues -----------------------------------------------------------

def _nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def _entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def catalogue_findings(po: polib.POFile, language: str,
                       require_translation: bool | None = None) -> list[Finding]:
    """Problems inside one catalogue: untranslated, fuzzy, placeholders, header."""
    if require_translation is None:
        require_translation = language in MUST_TRANSLATE
    findings = []
    if require_translation and po.metadata_is_fuzzy:
        findings.append(Finding("header", language, "", "the header is fuzzy: remove '#, fuzzy'"))
    if "Plural-Forms" not in po.metadata:
        findings.append(Finding("header", language, "", "the header has no Plural-Forms"))
    nplurals = _nplurals(po)
    for entry in _entries(po):
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(i, "") for i in range(nplurals)]
            translated = all(forms)
            filled = [(i, s) for i, s in enumerate(forms) if s]
        else:
            translated = bool(entry.msgstr)
            filled = [(None, entry.msgstr)] if entry.msgstr else []
        if "fuzzy" in entry.flags and (require_translation or filled):
            findings.append(Finding("fuzzy", language, entry.msgid,
                                    "marked fuzzy: check the msgstr, then remove the flag"))
        elif require_translation and not translated:
            findings.append(Finding("untranslated", language, entry.msgid))
        for index, msgstr in filled:
            # With one plural form (zh) msgstr[0] serves every count, so it answers to
            # msgid_plural; otherwise form 0 is the singular.
            if index is None or (index == 0 and nplurals > 1):
                source = entry.msgid
            else:
                source = entry.msgid_plural
            problem = placeholder_problem(source, msgstr, entry.flags)
            if problem:
                where = "" if index is None else f"msgstr[{index}]: "
                findings.append(Finding("placeholder", language, entry.msgid, where + problem))
    return findings


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def missing_findings(source: polib.POFile, po: polib.POFile, language: str) -> list[Finding]:
    """Source msgids the catalogue lacks (or whose plural changed)."""
    have = {_key(e): e for e in _entries(po)}
    findings = []
    for entry in _entries(source):
        where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:3])
        context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
        known = have.get(_key(entry))
        if known is None:
            findings.append(Finding("missing", language, entry.msgid, f"{where}{context}"))
        elif (known.msgid_plural or "") != (entry.msgid_plural or ""):
            findings.append(Finding("missing", language, entry.msgid,
                                    f"plural changed to {entry.msgid_plural!r} ({where})"))
    return findings


def stale_msgids(source: polib.POFile, po: polib.POFile) -> list[str]:
    """Catalogue entries no longer in the source (harmless; --update drops them)."""
    wanted = {_key(e) for e in _entries(source)}
    return [e.msgid for e in _entries(po) if _key(e) not in wanted]


# --- running makemessages ---------------------------------------------------------------

def _makemessages(cwd: Path, languages: Iterable[str], *extra: str) -> None:
    """Run Django's makemessages in ``cwd`` without project settings.

    Without settings, makemessages writes only to ``cwd/locale``; PYTHONSAFEPATH keeps the
    copied modules (settings.py, api/, …) off sys.path.
    """
    if not gettext_available():
        raise GettextNotInstalled(
            "GNU gettext (xgettext, msguniq, msgmerge, msgattrib) is not installed; "
            "on Debian/Ubuntu: apt-get install gettext")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["PYTHONSAFEPATH"] = "1"
    args = [sys.executable, "-m", "django", "makemessages", "--domain", DOMAIN]
    for language in languages:
        args += ["--locale", language]
    for pattern in IGNORED_DIRS:
        if pattern != "locale":
            args += ["--ignore", pattern]
    result = subprocess.run([*args, *extra], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"makemessages failed:\n{result.stdout}{result.stderr}")


def _copy_sources(package_dir: Path, target: Path) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            path = Path(directory, name)
            if path.is_dir():
                if name in IGNORED_DIRS or name.startswith("."):
                    skipped.add(name)
            elif not name.endswith(SOURCE_SUFFIXES):
                skipped.add(name)
        return skipped

    shutil.copytree(package_dir, target, ignore=ignore)


def source_catalogue(package_dir: Path = PACKAGE_DIR) -> polib.POFile:
    """Every msgid of the source, from makemessages run on a temporary copy."""
    with tempfile.TemporaryDirectory(prefix="kefu-i18n-check-") as tmp:
        copy = Path(tmp) / package_dir.name
        _copy_sources(package_dir, copy)
        (copy / "locale").mkdir()
        _makemessages(copy, [LANGUAGES[0]])
        return polib.pofile(str(copy / "locale" / LANGUAGES[0] / "LC_MESSAGES" / f"{DOMAIN}.po"))


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def check(*, package_dir: Path = PACKAGE_DIR, locale_dir: Path = LOCALE_DIR,
          languages: Iterable[str] = LANGUAGES,
          source: polib.POFile | None = None) -> list[Finding]:
    """All findings for the committed catalogues; raises GettextNotInstalled without gettext."""
    if source is None:
        source = source_catalogue(package_dir)
    findings = []
    for language in languages:
        path = po_path(language, locale_dir)
        if not path.exists():
            findings.append(Finding("missing", language, "", f"no catalogue at {path}"))
            continue
        po = polib.pofile(str(path))
        findings += missing_findings(source, po, language)
        findings += catalogue_findings(po, language)
    return findings


def update(*, package_dir: Path = PACKAGE_DIR, languages: Iterable[str] = LANGUAGES) -> None:
    """Refresh the committed catalogues in place (new msgids arrive untranslated)."""
    _makemessages(package_dir, languages, "--no-obsolete")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kefu.core.i18n_check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true",
                        help="first refresh the committed .po files with makemessages")
    args = parser.parse_args(argv)
    try:
        if args.update:
            update()
            print("updated " + ", ".join(str(po_path(lang)) for lang in LANGUAGES))
        source = source_catalogue()
    except GettextNotInstalled as exc:
        print(f"i18n check: {exc}", file=sys.stderr)
        findings = []
        for language in LANGUAGES:
            if po_path(language).exists():
                findings += catalogue_findings(polib.pofile(str(po_path(language))), language)
        for finding in findings:
            print(finding)
        print("i18n check: could not compare with the source (see above)", file=sys.stderr)
        return 2
    findings = check(source=source)
    for finding in findings:
        print(finding)
    for language in LANGUAGES:
        if po_path(language).exists():
            stale = stale_msgids(source, polib.pofile(str(po_path(language))))
            if stale:
                print(f"note: {len(stale)} {language} entries are no longer in the source "
                      "(--update drops them)")
    counts = {}
    for finding in findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    print(f"i18n check: {len(_entries(source))} msgids in the source; "
          + (f"{len(findings)} problems ({summary})" if findings else "catalogues complete"))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
