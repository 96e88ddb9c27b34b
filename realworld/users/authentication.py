from rest_framework_simplejwt.authentication import JWTAuthentication


class TokenAuthentication(JWTAuthentication):
    """`Authorization: Token <jwt>`, as the RealWorld spec has it.

    simplejwt verifies the signature with the pinned algorithm (HS256), the expiry and the token
    type; any failure is a 401 with a `WWW-Authenticate: Token` challenge.
    """

    www_authenticate_realm = "api"
