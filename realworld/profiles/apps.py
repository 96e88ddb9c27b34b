from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "realworld.profiles"
    label = "profiles"
