"""The portal's accounts: sign-up confirmed by a one-time link, claiming a customer record
only after the address is proven, one-time links (single use, expiry, wrong token),
sign-in throttling, staff kept out, passwords."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import LoginFailure, User
from kefu.conversations.models import LoginLink
from kefu.conversations.portal import services
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.customers.models import Customer, CustomerEvent

pytestmark = pytest.mark.django_db
PASSWORD = "tea-and-dumplings-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sent_links(monkeypatch):
    """The one-time links the portal e-mails, as (user, url, purpose)."""
    sent = []

    def capture(user, url, *, purpose="sign_in"):
        sent.append((user, url, purpose))
        return True

    monkeypatch.setattr(services, "send_login_link_email", capture)
    return sent


def link_path(url: str) -> str:
    return urlsplit(url).path


def signup(client, email="carol@example.com", name="Carol", password=PASSWORD, language="en"):
    return client.post("/portal/signup/", {"name": name, "email": email, "password": password,
                                           "language": language})


def test_sign_up_confirm_by_link_then_sign_in_with_password(company, sent_links):
    client = Client()
    response = signup(client, email="Carol@Example.com")
    assert response.status_code == 302 and response["Location"] == "/portal/link/sent/"
    user = User.objects.get(username="carol@example.com")
    assert user.role == "customer" and not user.is_active
    assert not Customer.objects.filter(user=user).exists()  # nothing is linked before the proof
    # the account does not work before the address is confirmed
    assert client.post("/portal/login/", {"email": "carol@example.com",
                                          "password": PASSWORD}).status_code == 401
    [(who, url, purpose)] = sent_links
    assert who == user and purpose == "confirm"
    # opening the link only shows a button: a mail scanner's GET spends nothing
    assert client.get(link_path(url)).status_code == 200
    user.refresh_from_db()
    assert not user.is_active
    response = client.post(link_path(url))
    assert response.status_code == 302 and response["Location"] == "/portal/tickets/"
    user.refresh_from_db()
    assert user.is_active and user.check_password(PASSWORD)  # same browser: password kept
    customer = Customer.objects.get(user=user)
    assert customer.email == "carol@example.com" and customer.language == "en"
    assert customer.tier == company.regular  # the most ordinary tier: highest rank number
    assert CustomerEvent.objects.filter(customer=customer, kind="portal_linked",
                                        data__new_customer=True).exists()
    assert client.get("/portal/tickets/").status_code == 200
    client.post("/portal/logout/")
    assert client.get("/portal/tickets/").status_code == 302
    again = client.post("/portal/login/", {"email": "CAROL@example.com ", "password": PASSWORD})
    assert again.status_code == 302 and again["Location"] == "/portal/tickets/"


def test_confirming_claims_the_existing_customer_record_with_that_address(company, sent_links):
    dora = Customer.objects.create(name="朵拉", email="Dora@Example.com", tier=company.vip,
                                   branch=company.east)
    client = Client()
    signup(client, email="dora@example.com", name="Dora")
    user = User.objects.get(username="dora@example.com")
    dora.refresh_from_db()
    assert dora.user_id is None  # typing the address claims nothing
    client.post(link_path(sent_links[0][1]))
    dora.refresh_from_db()
    assert dora.user_id == user.pk and dora.tier == company.vip and dora.name == "朵拉"
    assert Customer.objects.filter(email__iexact="dora@example.com").count() == 1
    assert CustomerEvent.objects.filter(customer=dora, kind="portal_linked",
                                        data__new_customer=False).exists()


def test_claiming_also_finds_an_email_contact_point(company, sent_links):
    from kefu.customers.models import ContactPoint

    erin = Customer.objects.create(name="Erin", tier=company.regular)
    ContactPoint.objects.create(customer=erin, kind="email", value="ERIN@work.example")
    client = Client()
    signup(client, email="erin@work.example", name="Erin")
    client.post(link_path(sent_links[0][1]))
    erin.refresh_from_db()
    assert erin.user.username == "erin@work.example"


def test_someone_signing_up_with_another_persons_address_never_gets_in(company, sent_links):
    """Pre-account takeover: the attacker chooses the password, the owner of the mailbox
    opens the link in their own browser. The attacker's password must not survive."""
    victim_record = Customer.objects.create(name="Fay", email="fay@example.com",
                                            tier=company.regular)
    attacker = Client()
    signup(attacker, email="fay@example.com", name="Not Fay", password="attacker-secret-99")
    owner = Client()  # the mailbox owner's browser: no sign-up marker in its session
    response = owner.post(link_path(sent_links[0][1]))
    assert response.status_code == 302 and response["Location"] == "/portal/profile/#password"
    user = User.objects.get(username="fay@example.com")
    victim_record.refresh_from_db()
    assert victim_record.user_id == user.pk and user.is_active
    assert not user.has_usable_password()
    assert attacker.post("/portal/login/", {"email": "fay@example.com",
                                            "password": "attacker-secret-99"}).status_code == 401
    assert attacker.get("/portal/tickets/").status_code == 302


def test_a_later_sign_up_replaces_the_password_and_the_earlier_browser_loses_it(company,
                                                                               sent_links):
    first, second = Client(), Client()
    signup(first, email="gus@example.com", password="first-password-77")
    signup(second, email="gus@example.com", password="second-password-88")
    assert User.objects.filter(username="gus@example.com").count() == 1
    first.post(link_path(sent_links[-1][1]))  # the first browser's marker no longer matches
    user = User.objects.get(username="gus@example.com")
    assert user.is_active and not user.has_usable_password()


def test_sign_up_for_an_existing_account_looks_the_same_and_sends_a_sign_in_link(company,
                                                                                sent_links):
    client = Client()
    users_before = User.objects.count()
    response = signup(client, email="ALICE@example.com", name="Mallory")
    assert response.status_code == 302 and response["Location"] == "/portal/link/sent/"
    assert User.objects.count() == users_before
    [(who, _url, purpose)] = sent_links
    assert who == company.customer_user and purpose == "sign_in"
    company.customer_user.refresh_from_db()
    assert company.customer_user.display_name != "Mallory"


def test_sign_up_answers_alike_for_known_and_new_addresses(company, sent_links):
    known = signup(Client(), email="alice@example.com")
    new = signup(Client(), email="jules@example.com")
    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"]
    assert sorted(known.cookies) == sorted(new.cookies)
    assert known.cookies["kefu_lang"].value == new.cookies["kefu_lang"].value


@pytest.mark.parametrize("field, value", [
    ("email", "not-an-address"),
    ("email", "a" * 250 + "@example.com"),
    ("password", "12345678"),  # common
    ("password", "short"),
    ("name", ""),
    ("name", "名" * 121),
    ("language", "fr"),
])
def test_sign_up_with_bad_input_is_a_form_error_and_writes_nothing(company, sent_links, field,
                                                                   value):
    data = {"name": "Hana", "email": "hana@example.com", "password": PASSWORD, "language": "en",
            field: value}
    users_before = User.objects.count()
    response = Client().post("/portal/signup/", data)
    assert response.status_code == 400
    assert User.objects.count() == users_before and not sent_links


def test_portal_signup_service_refuses_an_existing_login_and_checks_passwords(company):
    with pytest.raises(ApplicationError) as exists:
        services.portal_signup(email="alice@example.com", password=PASSWORD, name="x",
                               language="en")
    assert exists.value.code == "account_exists"
    with pytest.raises(ApplicationError) as weak:
        services.portal_signup(email="ivy@example.com", password="password", name="Ivy",
                               language="en")
    assert weak.value.code == "invalid_password"


# --- one-time links ------------------------------------------------------------------------

def test_login_link_is_hashed_single_use_and_signs_in(company):
    raw = services.login_link_create(company.customer_user)
    link = LoginLink.objects.get(user=company.customer_user)
    assert link.token_hash != raw and len(link.token_hash) == 64 and raw not in link.token_hash
    assert link.expires_at - link.created_at == timedelta(minutes=20)
    client = Client()
    response = client.post(f"/portal/link/{raw}/")
    assert response.status_code == 302 and client.get("/portal/tickets/").status_code == 200
    other = Client()
    again = other.post(f"/portal/link/{raw}/")
    assert again.status_code == 400 and other.get("/portal/tickets/").status_code == 302
    with pytest.raises(ApplicationError) as used:
        services.login_link_use(raw)
    assert used.value.code == "link_used"


def test_expired_and_wrong_links_are_refused(company):
    raw = services.login_link_create(company.customer_user)
    LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as expired:
        services.login_link_use(raw)
    assert expired.value.code == "link_expired"
    client = Client()
    assert client.post(f"/portal/link/{raw}/").status_code == 400
    for wrong in ("nope", raw[:-1] + ("A" if raw[-1] != "A" else "B"), "x" * 500):
        with pytest.raises(ApplicationError) as bad:
            services.login_link_use(wrong)
        assert bad.value.code == "link_invalid"
        assert client.post(f"/portal/link/{wrong}/").status_code == 400
    assert client.get("/portal/tickets/").status_code == 302
    assert LoginLink.objects.get().used_at is None  # a wrong token spends nothing


def test_using_a_link_spends_the_other_links_too(company):
    first = services.login_link_create(company.customer_user)
    second = services.login_link_create(company.customer_user)
    services.login_link_use(second)
    with pytest.raises(ApplicationError):
        services.login_link_use(first)


def test_links_are_limited_per_hour_and_never_for_staff_or_disabled_logins(company):
    for _ in range(services.LINKS_PER_HOUR):
        services.login_link_create(company.customer_user)
    with pytest.raises(ApplicationError) as flood:
        services.login_link_create(company.customer_user)
    assert flood.value.code == "too_many_links" and flood.value.status == 429
    with pytest.raises(PermissionDenied):
        services.login_link_create(company.agent_east)
    bob = company.other_customer_user
    raw = services.login_link_create(bob)
    bob.is_active = False  # staff deactivated a linked login: links never revive it
    bob.save()
    with pytest.raises(ApplicationError) as disabled:
        services.login_link_create(bob)
    assert disabled.value.code == "account_disabled"
    with pytest.raises(ApplicationError):
        services.login_link_use(raw)
    bob.refresh_from_db()
    assert not bob.is_active


def test_link_request_page_says_the_same_for_known_and_unknown_addresses(company, sent_links):
    client = Client()
    known = client.post("/portal/link/", {"email": "alice@example.com"})
    unknown = client.post("/portal/link/", {"email": "nobody@example.com"})
    staff = client.post("/portal/link/", {"email": "agent-east"})  # not an address: form error
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/portal/link/sent/"
    assert staff.status_code == 400
    assert [(u, p) for u, _url, p in sent_links] == [(company.customer_user, "sign_in")]


def test_link_e_mail_is_queued_in_the_customers_language_without_logging_the_link(company,
                                                                                  caplog):
    from kefu.conversations.models import OutboundEmail

    company.customer_user.language = "en"
    company.customer_user.save()
    Client().post("/portal/link/", {"email": "alice@example.com"})
    mail = OutboundEmail.objects.get(to_address="alice@example.com")
    assert mail.kind == "notification" and mail.ticket_id is None and mail.language == "en"
    assert "/portal/link/" in mail.body_text and "sign in" in mail.body_text
    token = mail.body_text.split("/portal/link/")[1].split("/")[0]
    assert token not in caplog.text
    assert LoginLink.objects.get().token_hash == services.token_digest(token)


# --- signing in -------------------------------------------------------------------------------

def test_links_point_at_the_configured_public_address_not_the_host_header(company, settings,
                                                                         sent_links):
    settings.PUBLIC_URL = "https://help.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    Client().post("/portal/link/", {"email": "alice@example.com"}, HTTP_HOST="evil.example")
    [(_user, url, _purpose)] = sent_links
    assert url.startswith("https://help.example.com/portal/link/")


def test_customers_sign_in_with_their_address_even_when_the_login_has_another_name(company):
    client = Client()
    response = client.post("/portal/login/", {"email": "alice@example.com",
                                              "password": "pw-alice-123"})
    assert response.status_code == 302
    assert client.get("/portal/tickets/").status_code == 200


def test_sign_in_is_throttled_like_the_console(company, settings):
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        bad = client.post("/portal/login/", {"email": "alice@example.com", "password": "wrong"})
        assert bad.status_code == 401
    assert LoginFailure.objects.filter(username="alice").count() == settings.LOGIN_MAX_FAILURES
    locked = client.post("/portal/login/", {"email": "alice@example.com",
                                            "password": "pw-alice-123"})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_open_redirect_after_sign_in_is_refused(company):
    response = Client().post("/portal/login/", {"email": "alice@example.com",
                                                "password": "pw-alice-123",
                                                "next": "https://evil.example/"})
    assert response["Location"] == "/portal/tickets/"


def test_staff_cannot_use_the_portal_as_customers(company):
    client = Client()
    refused = client.post("/portal/login/", {"email": "agent-east",
                                             "password": "pw-agent-east-123"})
    assert refused.status_code == 403 and "_auth_user_id" not in client.session
    agent = Client()
    agent.force_login(company.agent_east)
    for path in ("/portal/", "/portal/tickets/", "/portal/profile/", "/portal/login/",
                 "/portal/signup/"):
        response = agent.get(path)
        assert response.status_code == 302 and response["Location"] == "/", path


def test_visitors_are_sent_to_sign_in(company):
    response = Client().get("/portal/tickets/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=%2Fportal%2Ftickets%2F"


# --- passwords --------------------------------------------------------------------------------

def test_changing_the_password_needs_the_current_one(company):
    client = Client()
    client.force_login(company.customer_user)
    wrong = client.post("/portal/profile/password/", {"current_password": "nope",
                                                      "password": "new-password-for-alice"})
    assert wrong.status_code == 400
    right = client.post("/portal/profile/password/", {"current_password": "pw-alice-123",
                                                      "password": "new-password-for-alice"})
    assert right.status_code == 302
    company.customer_user.refresh_from_db()
    assert company.customer_user.check_password("new-password-for-alice")
    assert client.get("/portal/tickets/").status_code == 200  # still signed in


def test_after_a_link_sign_in_a_forgotten_password_can_be_replaced(company):
    raw = services.login_link_create(company.customer_user)
    client = Client()
    client.post(f"/portal/link/{raw}/")
    page = client.get("/portal/profile/").content.decode()
    assert 'name="current_password"' not in page
    response = client.post("/portal/profile/password/", {"password": "brand-new-secret-55"})
    assert response.status_code == 302
    company.customer_user.refresh_from_db()
    assert company.customer_user.check_password("brand-new-secret-55")
    assert CustomerEvent.objects.filter(customer=company.alice, kind="password_changed").exists()


def test_housekeeping_removes_stale_sign_ups_and_old_links(company, sent_links):
    signup(Client(), email="old@example.com")
    services.login_link_create(company.customer_user)
    later = timezone.now() + timedelta(days=services.UNCONFIRMED_DAYS + 1)
    result = services.portal_housekeeping(now=later)
    assert result["users"] >= 1 and result["links"] == 2
    assert not User.objects.filter(username="old@example.com").exists()
    assert User.objects.filter(pk=company.customer_user.pk).exists()


def test_addresses_match_ignoring_case_through_the_case_insensitive_indexes(company):
    # given a customer, an e-mail contact point and a login written in mixed case
    customer = Customer.objects.create(name="Zoë", email="Zoe.Li@Example.COM",
                                       tier=company.regular)
    customer.contacts.create(kind="email", value="ZL@Work.Example")
    User.objects.create_user(username="José@Example.com", role="customer")

    # then each is found by its address in any case (non-ASCII letters as the database
    # compares them on both sides)
    assert services.customer_for_email("zoe.li@example.com") == customer
    assert services.customer_for_email("zl@work.example") == customer
    assert services.same_text(User.objects, "username", "JOSé@EXAMPLE.COM").exists()
    assert services.customer_for_email("other@example.com") is None
    # and the query is the expression the index holds: UPPER(column) = UPPER(value)
    sql = str(services.same_text(Customer.objects, "email", "x@y.z").query)
    assert 'UPPER("customers_customer"."email") = (UPPER(' in sql
