from django.apps import AppConfig


class WebConfig(AppConfig):
    """Conduit in the browser: server-rendered pages over the same services and selectors."""

    name = "realworld.web"
    label = "web"
