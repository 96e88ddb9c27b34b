"""The API's credential: a signed JWT (simplejwt, HS256) naming the user.

Tokens are minted here and nowhere else, so the API and the web app (which hands the signed-in
user's token to the page for `window.__conduit_debug__`) issue the same thing.

Each token carries the user's token version (`ver`). A password or email change increments it
(users/services.py), so every token issued before is refused from then on
(users/authentication.py), except the one the change was made with, if any: like a web session
that changes its password, the client making the change stays signed in (the official RealWorld
suite changes a password twice with one token). A stolen token dies with a password change made
from any other sign-in.
"""

from rest_framework_simplejwt.tokens import AccessToken, Token

from realworld.users.models import User

VERSION_CLAIM = "ver"


def user_token(*, user: User) -> str:
    token = AccessToken.for_user(user)
    token[VERSION_CLAIM] = user.token_version
    return str(token)


def token_is_current(token: Token, user: User) -> bool:
    if token.get(VERSION_CLAIM) == user.token_version:
        return True
    return bool(user.kept_token_id) and token.get("jti") == user.kept_token_id
