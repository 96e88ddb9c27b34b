"""The API's credential: a signed JWT (simplejwt, HS256) naming the user.

Tokens are minted here and nowhere else, so the API and the web app (which hands the signed-in
user's token to the page for `window.__conduit_debug__`) issue the same thing.
"""

from rest_framework_simplejwt.tokens import AccessToken

from realworld.users.models import User


def user_token(*, user: User) -> str:
    return str(AccessToken.for_user(user))
