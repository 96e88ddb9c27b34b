from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "realworld.articles"
    label = "articles"
