"""Real mail servers for tests, on free loopback ports, started and stopped by fixtures:

* ``dovecot`` — Debian's dovecot-imapd with its own throw-away configuration (a passwd
  file, maildirs in a temporary directory, no TLS); ``dovecot_tls`` — the same with a
  self-signed certificate (IMAPS and STARTTLS). Skipped with a message when dovecot is not
  installed (``apt-get install dovecot-imapd``). Messages are delivered with ``append``.
* ``dovecot_oauth2`` — a dovecot that also takes XOAUTH2 logins, checking each access
  token with ``OAuth2Provider``: a tiny OAuth2 provider (``http.server`` in a thread on a
  loopback port) that answers the refresh-token grant and token introspection.
* ``smtp_sink`` — an aiosmtpd server collecting what it receives; ``sink.fail_next(n,
  code)`` makes it refuse the next n messages.

Import the fixtures in a conftest (``from kefu.conversations.tests.servers import *``).
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["dovecot", "dovecot_tls", "dovecot_server", "dovecot_tls_server", "dovecot_oauth2",
           "dovecot_oauth2_server", "smtp_sink", "start_smtp_sink", "self_signed", "free_port",
           "DovecotServer", "SmtpSink", "OAuth2Provider"]

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot")
                                      else None)
USER, PASSWORD = "support", "imap-secret-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 15) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen on {port}: {log.read_text() if log.exists() else ''}")


@dataclass
class DovecotServer:
    """A running dovecot; ``client()`` is a logged-in imaplib connection (plain)."""

    host: str
    port: int
    user: str
    password: str
    directory: Path
    imaps_port: int | None = None
    cafile: str | None = None
    proc: subprocess.Popen | None = field(default=None, repr=False)
    oauth2: OAuth2Provider | None = field(default=None, repr=False)

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        if self.cafile:
            conn.starttls(ssl_context=ssl.create_default_context(cafile=self.cafile))
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        conn = self.client()
        try:
            typ, data = conn.append(folder, flags or None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """UID → flags of every message in ``folder``."""
        import re

        conn = self.client()
        try:
            conn.select(folder, readonly=True)
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            out = {}
            for item in data:
                if not item:
                    continue
                text = item.decode() if isinstance(item, bytes) else item[0].decode()
                uid = re.search(r"UID (\d+)", text)
                flags = re.search(r"FLAGS \(([^)]*)\)", text)
                if uid:
                    out[int(uid.group(1))] = set(flags.group(1).split()) if flags else set()
            return out
        finally:
            conn.logout()

    def fresh_user(self) -> DovecotServer:
        """The same server, logged in as a new user with an empty mailbox."""
        import dataclasses
        import uuid

        # any user name logs in with the password (a static passdb); each has its own maildir
        return dataclasses.replace(self, user=f"u{uuid.uuid4().hex[:12]}", proc=None)

    def create_folder(self, name: str) -> None:
        conn = self.client()
        try:
            conn.create(name)
        finally:
            conn.logout()

    def mailbox(self, **fields):
        """A kefu Mailbox reading this server (plain IMAP on loopback)."""
        from kefu.conversations.models import Mailbox

        fields.setdefault("address", "support@example.com")
        fields.setdefault("name", "Support")
        return Mailbox.objects.create(imap_host=self.host, imap_port=self.port,
                                      imap_security=Mailbox.Security.NONE, imap_user=self.user,
                                      imap_password=self.password, **fields)


def _dovecot_config(tmp: Path, port: int, *, imaps_port: int = 0, cert: Path | None = None,
                    key: Path | None = None, introspection_url: str = "") -> Path:
    root = os.geteuid() == 0
    if root:
        mail_user = pwd.getpwnam("nobody")
        internal, login_user = "dovecot", "dovenull"
    else:
        mail_user = pwd.getpwuid(os.getuid())
        internal = login_user = mail_user.pw_name
    for sub in ("run", "state", "mail"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    if root:
        os.chown(tmp / "mail", mail_user.pw_uid, mail_user.pw_gid)
    tmp.chmod(0o755)
    tls = "ssl = no\n"
    if cert is not None:
        tls = (f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"
               "ssl_dh = </usr/share/dovecot/dh.pem\n" if os.path.exists(
                   "/usr/share/dovecot/dh.pem") else f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n")
    mechanisms, oauth2_passdb = "plain login", ""
    if introspection_url:
        # XOAUTH2 too: dovecot asks the provider whether a token is good (RFC 7662)
        (tmp / "oauth2.conf.ext").write_text(
            f"introspection_mode = post\nintrospection_url = {introspection_url}\n"
            "username_attribute = username\nactive_attribute = active\nactive_value = true\n")
        mechanisms += " xoauth2 oauthbearer"
        oauth2_passdb = (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                         f"  args = {tmp}/oauth2.conf.ext\n}}\n")
    conf = tmp / "dovecot.conf"
    conf.write_text(f"""
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = {mechanisms}
default_internal_user = {internal}
default_login_user = {login_user}
first_valid_uid = 1
last_valid_uid = 0
first_valid_gid = 1
mail_location = maildir:{tmp}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
{oauth2_passdb}passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={tmp}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
""")
    return conf


def _start(tmp: Path, introspection_url: str = "", **tls) -> DovecotServer:
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd): IMAP not tested")
    port = free_port()
    imaps_port = free_port() if tls else 0
    conf = _dovecot_config(tmp, port, imaps_port=imaps_port, introspection_url=introspection_url,
                           **tls)
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _wait_for_port(port, proc, tmp / "dovecot.log")
    if imaps_port:
        _wait_for_port(imaps_port, proc, tmp / "dovecot.log")
    return DovecotServer(host="127.0.0.1", port=port, user=USER, password=PASSWORD, directory=tmp,
                         imaps_port=imaps_port or None,
                         cafile=str(tls["cert"]) if tls else None, proc=proc)


def _stop(server: DovecotServer) -> None:
    proc = server.proc
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    key.chmod(0o644)  # dovecot's master reads it; only this test directory holds it
    return cert, key


@pytest.fixture(scope="session")
def dovecot_server():
    tmp = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    server = _start(tmp)
    try:
        yield server
    finally:
        _stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_tls_server():
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: IMAP over TLS not tested")
    tmp = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    cert, key = self_signed(tmp)
    server = _start(tmp, cert=cert, key=key)
    try:
        yield server
    finally:
        _stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_oauth2_server():
    provider = OAuth2Provider()
    provider.start()
    tmp = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    try:
        server = _start(tmp, introspection_url=provider.introspect_url)
        server.oauth2 = provider
        try:
            yield server
        finally:
            _stop(server)
    finally:
        provider.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def dovecot_oauth2(dovecot_oauth2_server):
    """A dovecot taking XOAUTH2 logins whose tokens ``.oauth2`` (an ``OAuth2Provider``,
    cleared for this test) issues, and a fresh user for this test."""
    dovecot_oauth2_server.oauth2.reset()
    return dovecot_oauth2_server.fresh_user()


@pytest.fixture
def dovecot(dovecot_server):
    """A dovecot (plain IMAP on a loopback port; one server per test session) and a fresh
    user with an empty mailbox for this test."""
    return dovecot_server.fresh_user()


@pytest.fixture
def dovecot_tls(dovecot_tls_server):
    """A dovecot with a self-signed certificate — IMAPS on ``imaps_port``, STARTTLS on
    ``port``; ``cafile`` trusts it — and a fresh user for this test."""
    return dovecot_tls_server.fresh_user()


# --- OAuth2 ------------------------------------------------------------------------------

class OAuth2Provider:
    """A tiny OAuth2 provider on a loopback port. ``POST /token`` answers the refresh-token
    grant (RFC 6749 §6; the client authenticates in the form body or with HTTP Basic);
    ``POST /introspect`` (RFC 7662) tells dovecot whether an access token is good and
    whose it is. ``grant(user)`` hands out a refresh token; ``rotate``: every refresh
    replaces the refresh token too; ``revoke(token)`` ends a token before its time;
    ``requests`` lists the token requests received (form fields)."""

    client_id = "kefu-test-client"
    client_secret = "client-secret-1"

    def __init__(self):
        self.host, self.port = "127.0.0.1", 0
        self._server = None
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.refresh_tokens: dict[str, str] = {}  # refresh token → user
        self.access_tokens: dict[str, str] = {}  # access token → user
        self.rotate = False
        self.expires_in = 3600
        self._counter = 0

    @property
    def token_url(self) -> str:
        return f"http://{self.host}:{self.port}/token"

    @property
    def introspect_url(self) -> str:
        return f"http://{self.host}:{self.port}/introspect"

    def _new(self, prefix: str) -> str:
        import uuid

        self._counter += 1
        return f"{prefix}-{self._counter}-{uuid.uuid4().hex[:12]}"

    def grant(self, user: str) -> str:
        with self._lock:
            token = self._new("refresh")
            self.refresh_tokens[token] = user
            return token

    def issue(self, user: str) -> str:
        """An access token for ``user`` (as the authorisation would have given)."""
        with self._lock:
            token = self._new("access")
            self.access_tokens[token] = user
            return token

    def revoke(self, token: str) -> None:
        with self._lock:
            self.access_tokens.pop(token, None)
            self.refresh_tokens.pop(token, None)

    def _token(self, form: dict[str, str], headers) -> tuple[int, dict]:
        import base64
        import urllib.parse

        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode()
            client_id, _sep, secret = (urllib.parse.unquote_plus(v) for v in
                                       decoded.partition(":"))
        if (client_id, secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client", "error_description": "Unknown client."}
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            user = self.refresh_tokens.get(form.get("refresh_token", ""))
            if user is None:
                return 400, {"error": "invalid_grant",
                             "error_description": "Token has been expired or revoked."}
            access = self._new("access")
            self.access_tokens[access] = user
            answer = {"access_token": access, "token_type": "Bearer",
                      "expires_in": self.expires_in}
            if self.rotate:
                del self.refresh_tokens[form["refresh_token"]]
                answer["refresh_token"] = self._new("refresh")
                self.refresh_tokens[answer["refresh_token"]] = user
        return 200, answer

    def start(self) -> None:
        import http.server
        import json
        import urllib.parse

        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
                if self.path == "/token":
                    with provider._lock:
                        provider.requests.append(form)
                    status, answer = provider._token(form, self.headers)
                elif self.path == "/introspect":
                    with provider._lock:
                        user = provider.access_tokens.get(form.get("token", ""))
                    status = 200
                    answer = {"active": True, "username": user} if user else {"active": False}
                else:
                    status, answer = 404, {"error": "not_found"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer((self.host, 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# --- SMTP -------------------------------------------------------------------------------

class SmtpSink:
    """What an aiosmtpd server on a loopback port received: ``messages`` (envelope sender,
    recipients, bytes). ``fail_next(n, "451 …")`` refuses the next n messages. With ``dsn``
    it offers the DSN extension (RFC 3461) and keeps each message's ENVID/RET parameters in
    ``dsn_params`` (aiosmtpd itself refuses them)."""

    def __init__(self, *, dsn: bool = False):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.dsn = dsn
        self.dsn_params: list[dict[str, str]] = []
        self._failures: list[str] = []
        self._lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def fail_next(self, count: int, reply: str = "451 4.3.0 try again later") -> None:
        with self._lock:
            self._failures.extend([reply] * count)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.dsn:
            responses.insert(-1, "250-DSN")
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._failures:
                return self._failures.pop(0)
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            self.dsn_params.append(dict(getattr(envelope, "dsn_params", {}) or {}))
        return "250 2.0.0 OK"

    def parsed(self):
        import email
        from email.policy import default

        return [email.message_from_bytes(raw, policy=default) for _f, _t, raw in self.messages]


def _dsn_controller():
    """An aiosmtpd Controller whose server takes the DSN parameters of MAIL FROM (ENVID,
    RET) off the command before aiosmtpd checks it, keeping them on the envelope."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class DsnSMTP(SMTP):
        async def smtp_MAIL(self, arg):
            params = {}
            if arg and self.envelope is not None:
                kept = []
                for word in arg.split(" "):
                    key, sep, value = word.partition("=")
                    if sep and key.upper() in ("ENVID", "RET"):
                        params[key.upper()] = value  # as sent (aiosmtpd upper-cases the rest)
                    else:
                        kept.append(word)
                arg = " ".join(kept)
            await super().smtp_MAIL(arg)
            if self.envelope is not None and self.envelope.mail_from is not None:
                self.envelope.dsn_params = params

    class DsnController(Controller):
        def factory(self):
            return DsnSMTP(self.handler, **self.SMTP_kwargs)

    return DsnController


def start_smtp_sink(*, starttls: ssl.SSLContext | None = None,
                    implicit_tls: ssl.SSLContext | None = None, auth: tuple[str, str] | None = None,
                    dsn: bool = False):
    """An aiosmtpd sink on a free loopback port: (sink, controller); ``controller.stop()``.
    ``starttls``: offered and required; ``implicit_tls``: SMTPS; ``auth``: (user, password)
    required (LOGIN/PLAIN); ``dsn``: the DSN extension offered (ENVID and RET kept)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    if dsn:
        Controller = _dsn_controller()  # noqa: N806 - the same class, with DSN
    sink = SmtpSink(dsn=dsn)
    sink.port = free_port()
    kwargs = {}
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    if implicit_tls is not None:
        kwargs.update(ssl_context=implicit_tls)
    if auth is not None:
        def authenticator(server, session, envelope, mechanism, data):
            ok = (data.login.decode(), data.password.decode()) == auth
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      # aiosmtpd knows only STARTTLS as TLS; SMTPS is encrypted from the start
                      auth_require_tls=starttls is not None)
    controller = Controller(sink, hostname=sink.host, port=sink.port, **kwargs)
    controller.start()
    return sink, controller


@pytest.fixture
def smtp_sink():
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        pytest.skip("aiosmtpd is not installed (pip install aiosmtpd): SMTP not tested")
    sink, controller = start_smtp_sink()
    try:
        yield sink
    finally:
        controller.stop()
