"""What every file import shares: opening a CSV or XLSX file with a clear error for each way
it can be unreadable, the exception that carries all the bad rows (nothing was written), and
how the command line reports it."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

#: How many errors the command line prints before it summarises the rest.
SHOWN_ERRORS = 50


class ImportFailed(Exception):
    """A file was refused as a whole; ``errors`` name each bad row (and column)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


def report_import_failure(exc: ImportFailed) -> int:
    """Print the errors on standard error, say nothing was imported; the exit status (1)."""
    for err in exc.errors[:SHOWN_ERRORS]:
        print(f"error: {err}", file=sys.stderr)
    if len(exc.errors) > SHOWN_ERRORS:
        print(f"… and {len(exc.errors) - SHOWN_ERRORS} more errors", file=sys.stderr)
    print("nothing was imported", file=sys.stderr)
    return 1


@contextmanager
def opened_csv(path: str, encoding: str):
    """``path`` opened as text for the csv module. A missing or unreadable file, an unknown
    encoding, bytes that are not ``encoding`` and broken CSV (found while the caller reads)
    are each an ``ImportFailed`` naming the problem. The caller's block should only read:
    any UnicodeDecodeError or csv.Error raised in it is reported as the file's."""
    try:
        fh = open(path, newline="", encoding=encoding)  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise ImportFailed([_("file not found: %(path)s") % {"path": path}]) from None
    except OSError as exc:  # a directory, no permission…
        raise ImportFailed([_("cannot read %(path)s: %(error)s")
                            % {"path": path, "error": exc.strerror or exc}]) from None
    except LookupError:
        raise ImportFailed([_("unknown encoding: %(encoding)s") % {"encoding": encoding}]) from None
    with fh:
        try:
            yield fh
        except UnicodeDecodeError as exc:
            raise ImportFailed([
                _("the file is not valid %(encoding)s (byte %(byte)s); try --encoding gbk")
                % {"encoding": encoding, "byte": exc.start}]) from None
        except csv.Error as exc:
            raise ImportFailed([_("not a valid CSV file: %(error)s") % {"error": exc}]) from None


def xlsx_rows(path: str) -> Iterator[tuple]:
    """The cell values of the first sheet of an XLSX file, row by row (header first)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ImportFailed([_("file not found: %(path)s") % {"path": path}]) from None
    except OSError as exc:
        raise ImportFailed([_("cannot read %(path)s: %(error)s")
                            % {"path": path, "error": exc.strerror or exc}]) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ImportFailed([_("not a valid XLSX file: %(error)s") % {"error": exc}]) from None
    return workbook.worksheets[0].iter_rows(values_only=True)
