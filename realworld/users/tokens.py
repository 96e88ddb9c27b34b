"""The API's credential: a signed JWT (simplejwt, HS256) naming the user.

Tokens are minted here and nowhere else, so the API and the web app (which hands the signed-in
user's token to the page for `window.__conduit_debug__`) issue the same thing.

Each token carries the user's token version (`ver`). A password or email change increments it
(users/services.py), so every token issued before is refused from then on
(users/authentication.py), except the one the change was made with, if any: like a web session
that changes its password, the client making the change stays signed in (the official RealWorld
suite changes a password twice with one token). A stolen token dies with a password change made
from any other sign-in.

A token handed to a signed-in page also names that page's web session (`sid`: SHA-256 of the
session key, never the key itself) and dies with it: on sign-out, on expiry, when the key is
cycled. Tokens from the API's own login carry no `sid`, so ending a web session leaves the
user's other devices signed in.
"""

import hashlib

from rest_framework_simplejwt.tokens import AccessToken, Token

from realworld.users.models import User
from realworld.users.selectors import web_session_is_live

VERSION_CLAIM = "ver"
SESSION_CLAIM = "sid"


def user_token(
    *, user: User, web_session_key: str | None = None, replacing: Token | None = None
) -> str:
    """A token for `user`; bound to a web session when minted for a page (`web_session_key`) or
    when it replaces a page's token (`replacing`: a change made with it must not unbind it)."""
    token = AccessToken.for_user(user)
    token[VERSION_CLAIM] = user.token_version
    if web_session_key:
        token[SESSION_CLAIM] = session_digest(web_session_key)
    elif replacing is not None and replacing.get(SESSION_CLAIM) is not None:
        token[SESSION_CLAIM] = replacing[SESSION_CLAIM]
    return str(token)


def session_digest(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def token_is_current(token: Token, user: User) -> bool:
    if token.get(VERSION_CLAIM) == user.token_version:
        return True
    return bool(user.kept_token_id) and token.get("jti") == user.kept_token_id


def token_session_is_live(token: Token) -> bool:
    """A page's token: its web session still exists and has not expired. Others: always."""
    digest = token.get(SESSION_CLAIM)
    return digest is None or web_session_is_live(str(digest))
