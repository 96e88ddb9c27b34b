from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes `Authorization: Token <jwt>` in the OpenAPI document."""

    target_class = "realworld.users.authentication.TokenAuthentication"
    name = "Token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Sent as `Authorization: Token <jwt>`. Paste the `token` from POST /api/users "
                "or POST /api/users/login as it is: the `Token ` prefix is added for you."
            ),
        }
