"""Reading a mailbox over IMAP: every new message is handed to the e-mail-in pipeline
(``email.ingest.ingest_raw``, which stores the raw bytes in one committed transaction and
files them in a second), and only after it has returned is the message flagged ``\\Seen``
+ ``$KefuProcessed`` (or moved to the mailbox's done folder).

So a crash at any point loses nothing and files nothing twice: a message ingested but not
yet flagged is fetched again on the next poll and the pipeline recognises its bytes (the
stored raw message is unique by its SHA-256); a message whose ingest failed stays unflagged
and is tried again. Fetching uses ``BODY.PEEK[]``, which leaves ``\\Seen`` alone.

Security per mailbox: SSL/TLS (993), STARTTLS (143), or none — plain IMAP only to a
loopback host. With an OAuth2 access token the login is XOAUTH2 (Gmail, Microsoft 365);
with a token endpoint, client and refresh token too, the access token is refreshed shortly
before it expires and once after the server refuses it (``oauth2.py``).
"""

from __future__ import annotations

import imaplib
import ipaddress
import logging
import re
import socket
import ssl
import threading
from collections import Counter

from django.db import transaction
from django.utils import timezone

from kefu.core.secrets import is_unreadable

from .models import InboundEmail, Mailbox

log = logging.getLogger("kefu.email")

KEYWORD = "$KefuProcessed"
#: Messages read per poll (the next poll, a minute later, reads on).
BATCH = 200
TIMEOUT = 60
#: What ingest_raw answers when a message was dealt with (filed, recognised as already
#: filed, set aside or ignored on purpose): only then is it flagged on the server.
DONE_STATUSES = frozenset({InboundEmail.Status.CREATED, InboundEmail.Status.APPENDED,
                           InboundEmail.Status.DUPLICATE, InboundEmail.Status.QUARANTINED,
                           InboundEmail.Status.IGNORED})
_UID = re.compile(rb"UID (\d+)")

#: One poll per mailbox at a time in this process (two consumers polling the same mailbox
#: do no harm either: the second ingest of a message is recognised as a duplicate).
_POLLING: set[int] = set()
_POLLING_LOCK = threading.Lock()


class ImapError(Exception):
    pass


# --- pure helpers -------------------------------------------------------------------------

def xoauth2_string(user: str, access_token: str) -> bytes:
    """The SASL XOAUTH2 initial response (before base64): ``user=…^Aauth=Bearer …^A^A``."""
    return f"user={user}\x01auth=Bearer {access_token}\x01\x01".encode()


def xoauth2_responder(user: str, access_token: str):
    """The ``authobject`` for ``imaplib.IMAP4.authenticate("XOAUTH2", …)``: the token on the
    server's empty first challenge; an empty answer to an error challenge (the server then
    says NO with the reason)."""
    initial = xoauth2_string(user, access_token)

    def respond(challenge: bytes) -> bytes:
        return b"" if challenge else initial

    return respond


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): ``已处理`` → ``&XvJZBFQG-``."""
    import base64

    out, pending = [], []

    def flush():
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def quote_folder(name: str) -> str:
    encoded = imap_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


# --- the connection -----------------------------------------------------------------------

def ssl_context() -> ssl.SSLContext:
    """The TLS settings for IMAP (system CAs, host names checked); tests replace it."""
    return ssl.create_default_context()


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection to the mailbox's server."""
    _refresh(mailbox, when_due=True)
    host, port = mailbox.imap_host, mailbox.imap_port
    security = mailbox.imap_security
    if security == Mailbox.Security.SSL:
        conn = imaplib.IMAP4_SSL(host, port, ssl_context=ssl_context(), timeout=TIMEOUT)
    elif security == Mailbox.Security.STARTTLS:
        conn = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        conn.starttls(ssl_context=ssl_context())
    elif is_loopback(host):
        conn = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    else:
        raise ImapError(f"plain IMAP (no TLS) is only allowed to a loopback host, not {host}")
    try:
        login(conn, mailbox)
        typ, data = conn.capability()  # what the server offers now we are in (MOVE, UIDPLUS)
        if typ == "OK" and data and data[-1]:
            conn.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
    except BaseException:
        _logout(conn)
        raise
    return conn


def _refresh(mailbox: Mailbox, *, when_due: bool) -> bool:
    """Refresh the mailbox's OAuth2 access token (``when_due``: only when it is missing or
    about to expire); True when it did. A refusal becomes an ImapError naming the cause."""
    from . import oauth2

    try:
        if when_due:
            return oauth2.ensure_fresh(mailbox)
        if not oauth2.can_refresh(mailbox):
            return False
        oauth2.refresh_access_token(mailbox)
        return True
    except oauth2.RefreshError as exc:
        raise ImapError(f"OAuth2 token refresh failed: {exc}")


def login(conn: imaplib.IMAP4, mailbox: Mailbox) -> None:
    unreadable = [name for name in ("imap_password", "oauth2_access_token",
                                    "oauth2_client_secret", "oauth2_refresh_token")
                  if is_unreadable(getattr(mailbox, name))]
    if unreadable:
        raise ImapError(f"the stored {', '.join(unreadable)} cannot be decrypted (were "
                        f"KEFU_SECRETS_KEYS or SECRET_KEY changed?): enter it again")
    if mailbox.oauth2_access_token:
        expires = mailbox.oauth2_expires_at
        if expires is not None and expires <= timezone.now():
            raise ImapError("the OAuth2 access token has expired: store a fresh one")
        try:
            conn.authenticate("XOAUTH2", xoauth2_responder(mailbox.imap_user,
                                                           mailbox.oauth2_access_token))
        except imaplib.IMAP4.error as exc:
            # revoked before its time, or the expiry was unknown: refresh once and retry
            if not _refresh(mailbox, when_due=False):
                raise
            log.info("mailbox %s: XOAUTH2 refused (%s); retrying with a fresh token",
                     mailbox.address, exc)
            conn.authenticate("XOAUTH2", xoauth2_responder(mailbox.imap_user,
                                                           mailbox.oauth2_access_token))
    else:
        conn.login(mailbox.imap_user, mailbox.imap_password)


def _logout(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()  # not CLOSE: that would expunge messages someone marked \Deleted
    except (imaplib.IMAP4.error, OSError):
        pass


def _ok(typ: str, data, what: str):
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise ImapError(f"{what}: {typ} {detail}".strip())
    return data


def keywords_allowed(conn: imaplib.IMAP4) -> bool:
    """Whether the selected folder keeps our own keyword (PERMANENTFLAGS has ``\\*``)."""
    flags = conn.untagged_responses.get("PERMANENTFLAGS") or []
    return any(b"\\*" in (f if isinstance(f, bytes) else str(f).encode()) for f in flags)


def search_new(conn: imaplib.IMAP4, *, keywords: bool) -> list[str]:
    criteria = ("UNSEEN", "UNKEYWORD", KEYWORD) if keywords else ("UNSEEN",)
    data = _ok(*conn.uid("SEARCH", None, *criteria), "SEARCH")
    uids = [int(u) for u in b" ".join(d for d in data if d).split()]
    return [str(u) for u in sorted(uids)]


def fetch_raw(conn: imaplib.IMAP4, uid: str) -> bytes | None:
    """The message's bytes, without setting \\Seen; None when it is gone."""
    data = _ok(*conn.uid("FETCH", uid, "(BODY.PEEK[])"), f"FETCH {uid}")
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            match = _UID.search(item[0])
            if match is None or match.group(1).decode() == uid:
                return item[1]
    return None


def mark_done(conn: imaplib.IMAP4, uid: str, *, keywords: bool, done_folder: str) -> None:
    """Flag the message processed, then move it to ``done_folder`` when there is one."""
    flags = f"(\\Seen {KEYWORD})" if keywords else "(\\Seen)"
    _ok(*conn.uid("STORE", uid, "+FLAGS.SILENT", flags), f"STORE {uid}")
    if not done_folder:
        return
    folder = quote_folder(done_folder)
    if "MOVE" in conn.capabilities:
        _ok(*conn.uid("MOVE", uid, folder), f"MOVE {uid}")
        return
    _ok(*conn.uid("COPY", uid, folder), f"COPY {uid}")
    _ok(*conn.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), f"STORE {uid}")
    if "UIDPLUS" in conn.capabilities:
        _ok(*conn.uid("EXPUNGE", uid), f"EXPUNGE {uid}")


# --- polling ------------------------------------------------------------------------------

def _ingest(raw: bytes, mailbox: Mailbox, uid: str):
    from .email.ingest import ingest_raw

    return ingest_raw(raw, source="imap", mailbox=mailbox, imap_uid=uid)


def poll_mailbox(mailbox: Mailbox, *, limit: int = BATCH) -> dict:
    """Read up to ``limit`` new messages of ``mailbox`` into kefu. Never raises: a problem
    is recorded in ``mailbox.last_error`` (and cleared by the next clean poll)."""
    summary = {"mailbox": mailbox.pk, "found": 0, "filed": 0, "failed": 0,
               "statuses": {}, "error": ""}
    with _POLLING_LOCK:
        if mailbox.pk in _POLLING:  # by another thread of this process: let it finish
            summary["error"] = "already being polled"
            return summary
        _POLLING.add(mailbox.pk)
    try:
        summary["error"] = _poll(mailbox, limit, summary)
    except Exception as exc:  # never crash the worker: the error is shown on the mailbox
        log.exception("polling mailbox %s", mailbox.address)
        summary["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        with _POLLING_LOCK:
            _POLLING.discard(mailbox.pk)
    mailbox.last_polled_at = timezone.now()
    mailbox.last_error = summary["error"][:2000]
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=mailbox.last_polled_at,
                                                 last_error=mailbox.last_error)
    return summary


def _poll(mailbox: Mailbox, limit: int, summary: dict) -> str:
    if transaction.get_connection().in_atomic_block:
        # a message must be flagged only once its ingest has committed: no outer transaction
        raise ImapError("poll_mailbox must not run inside a transaction")
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    try:
        conn = connect(mailbox)
    except (imaplib.IMAP4.error, OSError, ImapError) as exc:
        return f"connect/login {mailbox.imap_host}:{mailbox.imap_port}: {exc}"
    try:
        _ok(*conn.select(quote_folder(mailbox.imap_folder or "INBOX")), "SELECT")
        keywords = keywords_allowed(conn)
        uids = search_new(conn, keywords=keywords)
        summary["found"] = len(uids)
        for uid in uids[:limit]:
            raw = fetch_raw(conn, uid)
            if raw is None:
                continue
            try:
                result = _ingest(raw, mailbox, uid)
                status = str(result.status)
            except Exception as exc:  # ingest_raw promises not to raise; if it does, retry
                log.exception("ingesting IMAP message %s of %s", uid, mailbox.address)
                status, result = "error", None
                failures.append(f"UID {uid}: {type(exc).__name__}: {exc}")
            statuses[status] += 1
            if status in DONE_STATUSES:
                mark_done(conn, uid, keywords=keywords, done_folder=mailbox.imap_done_folder)
                summary["filed"] += 1
            else:
                summary["failed"] += 1
                if result is not None:
                    failures.append(f"UID {uid}: {status} {getattr(result, 'reason', '')}".strip())
    except (imaplib.IMAP4.error, OSError, ImapError) as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        summary["statuses"] = dict(statuses)
        _logout(conn)
    if failures:
        more = f" (+{len(failures) - 5} more)" if len(failures) > 5 else ""
        return "; ".join(failures[:5]) + more
    return ""


def poll_mailboxes() -> list[dict]:
    """Every active mailbox with an IMAP host, one after the other."""
    mailboxes = Mailbox.objects.filter(active=True).exclude(imap_host="").order_by("pk")
    return [poll_mailbox(mailbox) for mailbox in mailboxes]
