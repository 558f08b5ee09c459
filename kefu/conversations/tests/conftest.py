"""Fixtures of the channel tests: real mail servers on loopback ports (servers.py)."""

from kefu.conversations.tests.servers import (  # noqa: F401
    dovecot,
    dovecot_oauth2,
    dovecot_oauth2_server,
    dovecot_server,
    dovecot_tls,
    dovecot_tls_server,
    smtp_sink,
)
