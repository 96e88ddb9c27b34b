from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "realworld.common"
    label = "common"
