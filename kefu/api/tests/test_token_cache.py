"""The per-process token cache: fewer queries, and revocation still takes effect."""

from django.test import override_settings

from kefu.accounts.models import ApiToken
from kefu.accounts.services import token_create, token_revoke
from kefu.api import auth


@override_settings(TOKEN_CACHE_SECONDS=60)
def test_cached_token_is_forgotten_when_revoked(company, client):
    token, raw = token_create(user=company.agent_east)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/me", **headers).status_code == 200
    assert token.digest in auth._CACHE
    token_revoke(token=ApiToken.objects.get(pk=token.pk))
    assert client.get("/api/v1/me", **headers).status_code == 401


@override_settings(TOKEN_CACHE_SECONDS=0)
def test_no_cache_when_disabled(company, client):
    _token, raw = token_create(user=company.agent_east)
    auth._CACHE.clear()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert not auth._CACHE
