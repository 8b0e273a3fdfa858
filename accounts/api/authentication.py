"""``Authorization: Bearer <key>``: the API's only way in. The key's workspace is the caller's
workspace for the whole request; its scope decides whether it may write."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiKey
from accounts.selectors import api_key_for_plaintext
from accounts.services import api_key_touch


class ApiKeyUser:
    """``request.user`` for a request made with an API key: authenticated, and nobody in
    particular (the key, ``request.auth``, says which workspace and scope)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None  # no credentials: NotAuthenticated (401) from the permission check
        if header[0].lower() != self.keyword.lower().encode():
            raise exceptions.AuthenticationFailed("Send the API key as `Authorization: Bearer <key>`.")
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send exactly one API key after `Bearer`.")
        try:
            plaintext = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from None
        api_key = api_key_for_plaintext(plaintext)
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is not valid, or it was revoked.")
        api_key_touch(api_key=api_key)
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request) -> str:
        # Present, so a missing or bad key answers 401 (not 403).
        return f'{self.keyword} realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`sr_live_…`), made with `manage.py create_api_key`.",
        }
