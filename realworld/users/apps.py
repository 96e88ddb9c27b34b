from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "realworld.users"
    label = "users"

    def ready(self) -> None:
        from realworld.users import schema  # noqa: F401 (registers the OpenAPI auth scheme)
