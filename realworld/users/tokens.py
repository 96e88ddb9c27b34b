"""The API's credential: a signed JWT (simplejwt, HS256) naming the user.

Tokens are minted here and nowhere else, so the API and the web app (which hands the signed-in
user's token to the page for `window.__conduit_debug__`) issue the same thing.

Each token carries a fingerprint of the user's credentials (`cred`: a hash of the password
hash and the email). Changing either changes the fingerprint, so every token issued before is
refused from then on (users/authentication.py): a stolen token dies with a password change.
"""

import hashlib

from rest_framework_simplejwt.tokens import AccessToken

from realworld.users.models import User

CREDENTIALS_CLAIM = "cred"


def credentials_fingerprint(user: User) -> str:
    material = f"{user.password}\0{user.email.lower()}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def user_token(*, user: User) -> str:
    token = AccessToken.for_user(user)
    token[CREDENTIALS_CLAIM] = credentials_fingerprint(user)
    return str(token)
