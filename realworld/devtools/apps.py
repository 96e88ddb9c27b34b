from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Commands for developers and benchmarks (`manage.py seed`), above every domain app: they
    may import all of them, while common/ (the ground floor) imports none."""

    name = "realworld.devtools"
    label = "devtools"
