"""`Authorization: Token <jwt>`, as the RealWorld spec has it, with plain-worded refusals.

simplejwt verifies the signature with the pinned algorithm (HS256), the expiry and the token
type. Any header that is present but unusable is a 401 `{"errors": {"token": ["..."]}}` on
every endpoint that reads it, including the public reads: a client with a broken token is
told, rather than silently served as anonymous. (Login and registration do not read the
header: they are how a client replaces a bad token.)
"""

import functools

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import aware_utcnow

from realworld.common import messages
from realworld.users.models import User
from realworld.users.selectors import user_by_id
from realworld.users.tokens import token_is_current, token_session_is_live

SCHEME = "Token"


class TokenRejected(AuthenticationFailed):
    """A presented token that cannot be used; the detail says why (messages.TOKEN_*)."""


class TokenAuthentication(BaseAuthentication):
    def authenticate_header(self, request: Request) -> str:
        # Present on every 401, which also keeps DRF from turning those into 403s.
        return f'{SCHEME} realm="api"'

    def authenticate(self, request: Request) -> tuple[User, AccessToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        scheme, _, raw = header.strip().partition(" ")
        if scheme != SCHEME:
            raise TokenRejected(messages.TOKEN_SCHEME)
        raw = raw.strip()
        if not raw or " " in raw:
            raise TokenRejected(messages.TOKEN_INVALID)
        try:
            token = _verified(raw)
        except ExpiredTokenError:
            raise TokenRejected(messages.TOKEN_EXPIRED) from None
        except TokenError:
            raise TokenRejected(messages.TOKEN_INVALID) from None
        try:
            token.check_exp(current_time=aware_utcnow())  # verified earlier, expired since
        except TokenError:
            raise TokenRejected(messages.TOKEN_EXPIRED) from None
        return self._user(token), token

    def _user(self, token: AccessToken) -> User:
        # simplejwt writes the id as a string; a well-signed token whose id is not a number
        # (or is out of range) is still just an invalid token, never a database error.
        user_id = str(token.get(api_settings.USER_ID_CLAIM, ""))
        if not (user_id.isascii() and user_id.isdigit() and int(user_id) < 2**63):
            raise TokenRejected(messages.TOKEN_INVALID)
        user = user_by_id(int(user_id))
        if user is None:  # deleted since the token was issued
            raise TokenRejected(messages.TOKEN_INVALID)
        if not token_is_current(token, user):
            raise TokenRejected(messages.TOKEN_REVOKED)  # the password or email changed since
        if not token_session_is_live(token):  # a page's token, checked on every use
            raise TokenRejected(messages.TOKEN_SIGNED_OUT)
        return user


@functools.lru_cache(maxsize=4096)
def _verified(raw: str) -> AccessToken:
    """The token with its signature, type and claims checked: once per process and token, as
    decoding and verifying again was a visible share of every signed-in read
    (docs/benchmarks-history.md "Plain GETs"). Only tokens that pass are kept (an exception is
    never cached); the expiry is checked again on every use, and the user row (revocation) is
    always read."""
    return AccessToken(raw)  # type: ignore[arg-type]  # simplejwt decodes a str too
