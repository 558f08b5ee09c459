"""E-mail in: turning raw RFC 5322 messages into tickets and replies.

* ``parse`` — bytes → ``ParsedEmail`` (MIME, body, attachments); with ``headers`` (encoded
  words, addresses, dates), ``charsets`` (declared, lying and missing charsets),
  ``sanitise`` (safe HTML, text from HTML) and ``automatic`` (auto-replies, bounces, lists,
  loop markers). All pure.
* ``threading`` — the ``[#id]`` subject token and subject normalisation; pure.
* ``quotes`` — a reply's new text apart from the quoted history it carries (text and
  sanitised HTML); pure.
* ``lookup`` — which customer sent a message and which ticket it belongs to.
* ``ingest`` — ``ingest_raw``: store the raw message (committed), then file it exactly once;
  quarantine what cannot be filed; ``reprocess`` for administrators.
* ``listen`` — the SMTP/LMTP listener of ``kefu mail listen``.

Every way mail arrives (IMAP polling, the listener, ``kefu mail ingest``) goes through
``ingest_raw``. See docs/email.md.
"""
