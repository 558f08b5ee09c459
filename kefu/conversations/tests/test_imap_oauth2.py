"""Refreshing a mailbox's OAuth2 access token against a real token endpoint (a tiny OAuth2
provider on a loopback port, servers.OAuth2Provider), and polling a real dovecot that takes
XOAUTH2 logins only with tokens that provider says are good."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.conversations import imap, oauth2
from kefu.conversations.models import InboundEmail, Mailbox
from kefu.conversations.oauth2 import RefreshError
from kefu.conversations.tests.servers import OAuth2Provider, free_port
from kefu.conversations.tests.test_imap_poll import mail
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider(dovecot_oauth2):
    return dovecot_oauth2.oauth2


@pytest.fixture
def mailbox(company, dovecot_oauth2, provider):
    """A mailbox logging in with XOAUTH2; its access token expired a minute ago, and it has
    what refreshing needs."""
    return dovecot_oauth2.mailbox(
        team=company.hq_team, oauth2_access_token=provider.issue(dovecot_oauth2.user),
        oauth2_expires_at=timezone.now() - timedelta(minutes=1),
        oauth2_token_url=provider.token_url, oauth2_client_id=provider.client_id,
        oauth2_client_secret=provider.client_secret,
        oauth2_refresh_token=provider.grant(dovecot_oauth2.user))


def stored(mailbox) -> Mailbox:
    return Mailbox.objects.get(pk=mailbox.pk)


def test_an_expired_token_is_refreshed_before_the_poll_logs_in(dovecot_oauth2, provider,
                                                               mailbox):
    dovecot_oauth2.append(mail("订单 2048 没有送到"))
    old = mailbox.oauth2_access_token
    # when kefu polls with an expired access token
    result = imap.poll_mailbox(mailbox)
    # then it asked the token endpoint once (RFC 6749 §6), logged in with the new token and
    # filed the mail
    assert result["error"] == "" and result["statuses"] == {"created": 1}, result
    assert provider.requests == [{"grant_type": "refresh_token",
                                  "refresh_token": mailbox.oauth2_refresh_token,
                                  "client_id": provider.client_id,
                                  "client_secret": provider.client_secret}]
    row = stored(mailbox)
    assert row.oauth2_access_token not in ("", old)
    assert provider.access_tokens[row.oauth2_access_token] == dovecot_oauth2.user
    expected = timezone.now() + timedelta(seconds=provider.expires_in)
    assert abs((row.oauth2_expires_at - expected).total_seconds()) < 30
    assert row.last_error == ""
    # when it polls again within the hour / then the token is used as it is
    dovecot_oauth2.append(mail("发票"))
    assert imap.poll_mailbox(row)["statuses"] == {"created": 1}
    assert len(provider.requests) == 1
    assert Ticket.objects.count() == 2


def test_a_token_that_expires_within_five_minutes_is_refreshed_too(dovecot_oauth2, provider,
                                                                   mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth2_expires_at=timezone.now() + timedelta(minutes=4))
    assert imap.poll_mailbox(stored(mailbox))["error"] == ""
    assert len(provider.requests) == 1


def test_a_token_refused_before_its_time_is_refreshed_once_and_retried(dovecot_oauth2,
                                                                        provider, mailbox):
    # given a token the clock calls good but the provider has revoked
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth2_expires_at=timezone.now() + timedelta(hours=1))
    provider.revoke(mailbox.oauth2_access_token)
    dovecot_oauth2.append(mail("会员积分"))
    # when kefu polls / then the server refuses, kefu refreshes once, and the retry gets in
    result = imap.poll_mailbox(stored(mailbox))
    assert result["error"] == "" and result["statuses"] == {"created": 1}, result
    assert len(provider.requests) == 1
    assert stored(mailbox).oauth2_access_token != mailbox.oauth2_access_token


def test_a_revoked_refresh_token_asks_for_reauthorisation_once(company, dovecot_oauth2,
                                                               provider, mailbox, client):
    provider.revoke(mailbox.oauth2_refresh_token)
    dovecot_oauth2.append(mail("空调"))
    # when kefu polls / then the refresh is refused: one request, no login, nothing filed
    result = imap.poll_mailbox(mailbox)
    assert len(provider.requests) == 1
    assert "invalid_grant" in result["error"]
    assert "authorise the mailbox again" in result["error"]
    assert not InboundEmail.objects.exists()
    row = stored(mailbox)
    assert row.last_error == result["error"] and row.oauth2_access_token == \
        mailbox.oauth2_access_token
    # and the admin list of mailboxes shows it
    client.force_login(company.admin)
    page = client.get("/admin/conversations/mailbox/").content.decode()
    assert "invalid_grant" in page and "authorise the mailbox again" in page


def test_a_revoked_access_and_refresh_token_try_once_not_in_a_loop(dovecot_oauth2, provider,
                                                                   mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth2_expires_at=timezone.now() + timedelta(hours=1))
    provider.revoke(mailbox.oauth2_access_token)
    provider.revoke(mailbox.oauth2_refresh_token)
    result = imap.poll_mailbox(stored(mailbox))
    assert "invalid_grant" in result["error"] and len(provider.requests) == 1


def test_a_rotated_refresh_token_is_stored_and_used_next(dovecot_oauth2, provider, mailbox):
    provider.rotate = True
    first = mailbox.oauth2_refresh_token
    assert imap.poll_mailbox(mailbox)["error"] == ""
    row = stored(mailbox)
    assert row.oauth2_refresh_token not in ("", first) and first not in provider.refresh_tokens
    # the next refresh (the token has expired again) sends the new one, and works
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth2_expires_at=timezone.now())
    assert imap.poll_mailbox(stored(mailbox))["error"] == ""
    assert [r["refresh_token"] for r in provider.requests] == [first, row.oauth2_refresh_token]


def test_without_refresh_settings_a_refused_token_is_an_error_not_a_request(dovecot_oauth2,
                                                                             provider):
    mailbox = dovecot_oauth2.mailbox(oauth2_access_token="not-a-token")
    result = imap.poll_mailbox(mailbox)
    assert "connect/login" in result["error"] and provider.requests == []
    # and a good token without refresh settings logs in as it is
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth2_access_token=provider.issue(dovecot_oauth2.user))
    assert imap.poll_mailbox(stored(mailbox))["error"] == ""


def test_only_a_refresh_token_is_enough_to_start(dovecot_oauth2, provider, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth2_access_token="", oauth2_expires_at=None)
    assert imap.poll_mailbox(stored(mailbox))["error"] == ""
    assert stored(mailbox).oauth2_access_token in provider.access_tokens


# --- the token endpoint alone -----------------------------------------------------------------

@pytest.fixture
def endpoint():
    server = OAuth2Provider()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_refresh_stores_the_token_and_the_client_must_be_right(company, endpoint):
    mailbox = Mailbox.objects.create(
        name="Gmail", address="help@example.com", oauth2_token_url=endpoint.token_url,
        oauth2_client_id=endpoint.client_id, oauth2_client_secret="wrong",
        oauth2_refresh_token=endpoint.grant("help@example.com"), oauth2_scope="https://mail/")
    with pytest.raises(RefreshError) as err:
        oauth2.refresh_access_token(mailbox)
    assert err.value.reauthorise and "invalid_client" in str(err.value)
    mailbox.oauth2_client_secret = endpoint.client_secret
    oauth2.refresh_access_token(mailbox)
    assert endpoint.requests[-1]["scope"] == "https://mail/"
    assert stored(mailbox).oauth2_access_token == mailbox.oauth2_access_token != ""


def test_a_refresh_made_by_another_process_meanwhile_is_taken(company, endpoint):
    # given two processes with the same mailbox, and a provider that rotates refresh tokens
    endpoint.rotate = True
    mailbox = Mailbox.objects.create(
        name="Gmail", address="help@example.com", oauth2_token_url=endpoint.token_url,
        oauth2_client_id=endpoint.client_id, oauth2_client_secret=endpoint.client_secret,
        oauth2_refresh_token=endpoint.grant("help@example.com"))
    other = Mailbox.objects.get(pk=mailbox.pk)
    oauth2.refresh_access_token(other)  # the first process refreshes (and rotates)
    # when the second refreshes with the spent token / then it takes the first one's
    oauth2.refresh_access_token(mailbox)
    assert mailbox.oauth2_access_token == other.oauth2_access_token
    assert mailbox.oauth2_refresh_token == other.oauth2_refresh_token


def test_an_unreachable_or_insecure_endpoint_is_a_clear_error(company):
    mailbox = Mailbox(address="x@example.com", oauth2_client_id="c", oauth2_refresh_token="r",
                      oauth2_token_url=f"http://127.0.0.1:{free_port()}/token")
    with pytest.raises(RefreshError, match="could not be reached"):
        oauth2.refresh_access_token(mailbox)
    mailbox.oauth2_token_url = "http://oauth.example.com/token"
    with pytest.raises(RefreshError, match="https"):
        oauth2.refresh_access_token(mailbox)


def test_the_admin_never_shows_the_secrets_and_keeps_them_when_blank(company, client):
    mailbox = Mailbox.objects.create(
        name="Gmail", address="help@example.com", oauth2_token_url="https://oauth2.example/token",
        oauth2_client_id="client-1", oauth2_client_secret="client-secret-xyz",
        oauth2_refresh_token="refresh-token-xyz", oauth2_access_token="access-token-xyz")
    client.force_login(company.admin)
    url = f"/admin/conversations/mailbox/{mailbox.pk}/change/"
    page = client.get(url).content.decode()
    assert "client-1" in page
    for secret in ("client-secret-xyz", "refresh-token-xyz", "access-token-xyz"):
        assert secret not in page
    form = {"name": "Gmail", "address": "help@example.com", "active": "on", "imap_port": "993",
            "imap_security": "ssl", "imap_folder": "INBOX", "oauth2_client_id": "client-2",
            "oauth2_token_url": "https://oauth2.example/token"}
    assert client.post(url, form).status_code == 302
    row = stored(mailbox)
    assert (row.oauth2_client_id, row.oauth2_client_secret, row.oauth2_refresh_token) == (
        "client-2", "client-secret-xyz", "refresh-token-xyz")
    # a plain-http endpoint elsewhere than loopback is refused
    response = client.post(url, {**form, "oauth2_token_url": "http://oauth2.example/token"})
    assert response.status_code == 200 and "https://" in response.content.decode()


# --- pure rules ---------------------------------------------------------------------------

def test_when_to_refresh():
    now = timezone.now()
    assert oauth2.needs_refresh("", None, now)
    assert not oauth2.needs_refresh("t", None, now)  # unknown expiry: until it is refused
    assert not oauth2.needs_refresh("t", now + timedelta(minutes=6), now)
    assert oauth2.needs_refresh("t", now + timedelta(minutes=5), now)
    assert oauth2.needs_refresh("t", now - timedelta(days=1), now)


def test_reading_the_token_endpoints_answer():
    now = timezone.now()
    tokens = oauth2.read_answer(200, b'{"access_token":"a1","token_type":"Bearer",'
                                     b'"expires_in":3599,"refresh_token":"r2"}', now)
    assert (tokens.access_token, tokens.refresh_token) == ("a1", "r2")
    assert tokens.expires_at == now + timedelta(seconds=3599)
    tokens = oauth2.read_answer(200, b'{"access_token":"a1","token_type":"bearer"}', now)
    assert tokens.expires_at == now + timedelta(hours=1) and tokens.refresh_token == ""
    with pytest.raises(RefreshError) as err:
        oauth2.read_answer(400, b'{"error":"invalid_grant","error_description":"Bad"}', now)
    assert err.value.reauthorise and "invalid_grant: Bad" in str(err.value)
    with pytest.raises(RefreshError) as err:
        oauth2.read_answer(503, b'{"error":"temporarily_unavailable"}', now)
    assert not err.value.reauthorise
    for status, body in ((502, b"<html>Bad gateway</html>"), (200, b"[]"), (200, b"{}"),
                         (200, b'{"access_token":"a","token_type":"mac"}')):
        with pytest.raises(RefreshError):
            oauth2.read_answer(status, body, now)
    assert oauth2.refresh_form(refresh_token="r", client_id="c", client_secret="") == {
        "grant_type": "refresh_token", "refresh_token": "r", "client_id": "c"}
