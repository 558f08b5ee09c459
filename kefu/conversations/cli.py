"""``kefu mail …``: file e-mail from the command line.

``kefu mail ingest PATH…`` reads raw RFC 5322 messages — files, or directories searched
recursively for ``*.eml`` — and files each exactly as if it had arrived by IMAP or SMTP,
printing one JSON object per message::

    {"file": "in/1.eml", "status": "created", "ticket": 42, "reason": "new ticket #42"}

``status`` is ``created``, ``appended``, ``duplicate``, ``quarantined`` or ``ignored`` (or
``error`` when the file could not be read or stored). Exit code 0 once every file was
handled, 2 for bad usage.

``kefu mail listen [--port P] [--host H] [--lmtp]`` receives mail by SMTP or LMTP (see
``kefu.conversations.email.listen``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def add_parser(subparsers) -> None:
    """Register ``mail ingest`` and ``mail listen`` on the ``kefu`` command's sub-parsers."""
    p = subparsers.add_parser("mail", help="receive e-mail (files, SMTP/LMTP listener)")
    msub = p.add_subparsers(dest="mail_command", required=True)
    i = msub.add_parser("ingest", help="file raw .eml messages; one JSON line per message")
    i.add_argument("paths", nargs="+", metavar="PATH",
                   help="an .eml file, or a directory searched recursively for *.eml")
    i.set_defaults(func=cmd_ingest)
    listen = msub.add_parser("listen", help="receive mail by SMTP (or LMTP) and file it")
    listen.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1)")
    listen.add_argument("--port", type=int, default=None,
                        help="port (default: KEFU_MAIL_LISTEN_PORT, 2525)")
    listen.add_argument("--lmtp", action="store_true",
                        help="speak LMTP (for delivery from Postfix/Exim) instead of SMTP")
    listen.set_defaults(func=cmd_listen)


def iter_messages(paths: list[str]):
    """The files to read, in a stable order: files as given, directories' *.eml sorted."""
    for path in paths:
        p = Path(path)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file()
                              and f.suffix.lower() == ".eml")
        else:
            yield p


def cmd_ingest(args) -> int:
    out = sys.stdout
    try:
        _ingest_all(args.paths, out)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    return 0


#: Files read and filed together (``ingest_batch``: one write transaction for their raw
#: bytes, one for their filing, on SQLite).
FILES_PER_BATCH = 25


def _ingest_all(paths: list[str], out) -> None:
    batch: list[tuple[Path, bytes]] = []
    for path in iter_messages(paths):
        try:
            batch.append((path, path.read_bytes()))
        except OSError as exc:
            _ingest_files(batch, out)  # the lines keep the order of the files
            batch = []
            _write(out, path, status="error", ticket=None,
                   reason=f"cannot read: {exc.strerror or exc}")
            continue
        if len(batch) >= FILES_PER_BATCH:
            _ingest_files(batch, out)
            batch = []
    _ingest_files(batch, out)


def _ingest_files(batch: list[tuple[Path, bytes]], out) -> None:
    from .email.ingest import Incoming, ingest_batch, ingest_raw

    if not batch:
        return
    try:
        results = ingest_batch([Incoming(raw, source="file") for _path, raw in batch])
    except Exception:  # the database refused a raw message: file them one by one to say which
        for path, raw in batch:
            try:
                result = ingest_raw(raw, source="file")
            except Exception as exc:
                _write(out, path, status="error", ticket=None,
                       reason=f"not stored: {type(exc).__name__}: {exc}")
            else:
                _write(out, path, status=result.status, ticket=result.ticket_id,
                       reason=result.reason)
        return
    for (path, _raw), result in zip(batch, results, strict=True):
        _write(out, path, status=result.status, ticket=result.ticket_id, reason=result.reason)


def _write(out, path: Path, **line) -> None:
    out.write(json.dumps({"file": str(path), **line}, ensure_ascii=False) + "\n")
    out.flush()


def cmd_listen(args) -> int:
    from django.conf import settings

    from .email.listen import run

    port = args.port if args.port is not None else settings.MAIL_LISTEN_PORT
    return run(host=args.host, port=port, lmtp=args.lmtp)
