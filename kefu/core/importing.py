"""What every file import shares: the exception that carries all the bad rows (nothing was
written), and how the command line reports it."""

from __future__ import annotations

import sys

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
