from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "realworld.comments"
    label = "comments"
