"""Stored credentials are encrypted at rest: the database never holds the plain text, code
reads it back, keys rotate, a lost key is reported (never a crash, never an empty HMAC key)."""

import importlib
import io
import json
from contextlib import redirect_stdout

import pytest
from django.apps import apps
from django.db import connection

from kefu.cli import main as kefu
from kefu.conversations import imap
from kefu.conversations.chat import sign
from kefu.conversations.models import Channel, Mailbox
from kefu.core import secrets

PASSWORD = "imap-密码-0123"


def stored(model, pk: int, column: str) -> str:
    """The column as the database holds it (no field conversion)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",
                       [pk])
        return cursor.fetchone()[0]


def write_stored(model, pk: int, column: str, value: str) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s "
                       f"WHERE id = %s", [value, pk])


# --- pure -------------------------------------------------------------------------------

def test_seal_and_unseal_round_trip_with_a_fresh_iv_each_time(settings):
    settings.SECRETS_KEYS = ["a passphrase, stretched"]
    one, two = secrets.seal(PASSWORD), secrets.seal(PASSWORD)
    assert one.startswith("enc1:") and two.startswith("enc1:") and one != two
    assert PASSWORD not in one and "0123" not in one
    assert secrets.unseal(one) == secrets.unseal(two) == PASSWORD
    assert secrets.seal("") == "" and secrets.unseal("") == "" and secrets.unseal(None) == ""
    assert secrets.unseal("plain, from before") == "plain, from before"
    # a password that looks sealed is still sealed, not taken for a sealed value
    assert secrets.unseal(secrets.seal("enc1:abc")) == "enc1:abc"


def test_keys_rotate_the_first_seals_every_one_opens(settings):
    settings.SECRETS_KEYS = ["old key"]
    old = secrets.seal(PASSWORD)
    settings.SECRETS_KEYS = ["new key", "old key"]
    assert secrets.unseal(old) == PASSWORD
    new = secrets.seal(PASSWORD)
    settings.SECRETS_KEYS = ["new key"]
    assert secrets.unseal(new) == PASSWORD
    assert secrets.is_unreadable(secrets.unseal(old))  # the old key is gone


def test_a_fernet_key_is_used_as_it_is_and_the_default_comes_from_secret_key(settings):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    settings.SECRETS_KEYS = [key]
    assert Fernet(key.encode()).decrypt(secrets.seal("x")[5:].encode()) == b"x"
    settings.SECRETS_KEYS = []
    sealed = secrets.seal("y")
    settings.SECRET_KEY = "another secret key entirely"
    assert secrets.is_unreadable(secrets.unseal(sealed))


def test_an_unreadable_value_reads_empty_and_is_written_back_unchanged(settings):
    settings.SECRETS_KEYS = ["lost key"]
    sealed = secrets.seal(PASSWORD)
    settings.SECRETS_KEYS = ["today's key"]
    value = secrets.unseal(sealed)
    assert value == "" and secrets.is_unreadable(value)
    assert secrets.seal(value) == sealed  # a save of other fields does not erase it


# --- in the database --------------------------------------------------------------------

@pytest.mark.django_db
def test_the_database_holds_only_sealed_credentials(settings):
    settings.SECRETS_KEYS = ["db key"]
    mailbox = Mailbox.objects.create(name="客服", address="help@example.com",
                                     imap_password=PASSWORD, oauth2_refresh_token="rt-1",
                                     oauth2_client_secret="cs-1", oauth2_access_token="at-1")
    channel = Channel.objects.create(code="web", name="网站", kind="web_chat",
                                     secret="channel-secret-0123456789")
    for column, plain in (("imap_password", PASSWORD), ("oauth2_refresh_token", "rt-1"),
                          ("oauth2_client_secret", "cs-1"), ("oauth2_access_token", "at-1")):
        raw = stored(Mailbox, mailbox.pk, column)
        assert raw.startswith("enc1:") and plain not in raw
    assert stored(Channel, channel.pk, "secret").startswith("enc1:")
    # and code reads them back, by get, values() and the per-process mailbox cache
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == PASSWORD
    assert Mailbox.objects.values_list("oauth2_refresh_token", flat=True).get() == "rt-1"
    assert Channel.objects.get().secret == "channel-secret-0123456789"


@pytest.mark.django_db
def test_the_migration_seals_what_was_stored_in_plain_text(settings):
    # given rows written before encryption
    settings.SECRETS_KEYS = ["migration key"]
    mailbox = Mailbox.objects.create(name="旧", address="old@example.com")
    channel = Channel.objects.create(code="old", name="旧", kind="other", secret="x" * 20)
    write_stored(Mailbox, mailbox.pk, "imap_password", "plain password")
    write_stored(Channel, channel.pk, "secret", "plain channel secret")
    assert Mailbox.objects.get().imap_password == "plain password"  # read as it is

    # when the data step of the migration runs (and is reversed)
    step = importlib.import_module("kefu.conversations.migrations.0005_secrets_encrypted")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    step.seal_stored(apps, editor)

    # then they are sealed, and read the same
    assert stored(Mailbox, mailbox.pk, "imap_password").startswith("enc1:")
    assert stored(Channel, channel.pk, "secret").startswith("enc1:")
    assert Mailbox.objects.get().imap_password == "plain password"
    assert Channel.objects.get().secret == "plain channel secret"
    step.open_stored(apps, editor)
    assert stored(Mailbox, mailbox.pk, "imap_password") == "plain password"
    assert stored(Channel, channel.pk, "secret") == "plain channel secret"


@pytest.mark.django_db
def test_kefu_secrets_reseal_moves_every_secret_to_the_new_key(settings):
    settings.SECRETS_KEYS = ["old key"]
    Mailbox.objects.create(name="甲", address="a@example.com", imap_password="pa")
    Channel.objects.create(code="c", name="c", kind="other", secret="channel-secret-abcdefgh")
    settings.SECRETS_KEYS = ["new key", "old key"]
    out = io.StringIO()
    with redirect_stdout(out):
        assert kefu(["secrets", "reseal"]) == 0
    assert json.loads(out.getvalue()) == {"sealed": 2, "unreadable": 0}
    settings.SECRETS_KEYS = ["new key"]  # the old key can go now
    assert Mailbox.objects.get().imap_password == "pa"
    assert Channel.objects.get().secret == "channel-secret-abcdefgh"


# --- a lost key -------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_lost_key_is_reported_by_the_poll_and_refused_by_chat(settings, company):
    from django.test import Client

    settings.SECRETS_KEYS = ["the key that will be lost"]
    mailbox = Mailbox.objects.create(name="客服", address="help@example.com",
                                     imap_host="127.0.0.1", imap_port=1, imap_security="none",
                                     imap_user="u", imap_password=PASSWORD)
    Channel.objects.create(code="wx", name="微信", kind="wechat", secret="channel-secret-0123456")
    settings.SECRETS_KEYS = ["another key"]

    # the mailbox page data still loads; login is not tried with an empty password
    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    assert secrets.is_unreadable(mailbox.imap_password)
    with pytest.raises(imap.ImapError, match="imap_password cannot be decrypted"):
        imap.login(object(), mailbox)
    # and a chat message signed with an empty key is refused, not accepted
    body = b'{"message_id": "m1", "sender": {"id": "u1"}, "text": "hi"}'
    timestamp = str(int(__import__("time").time()))
    response = Client().post("/api/v1/channels/wx/messages", data=body,
                             content_type="application/json",
                             HTTP_X_KEFU_TIMESTAMP=timestamp,
                             HTTP_X_KEFU_SIGNATURE=sign("", timestamp, body))
    assert response.status_code == 503
    assert response.json()["code"] == "channel_secret_unreadable"
