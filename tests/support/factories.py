"""Test data (factory_boy). Users get a real password hash of `password123`."""

import factory
from django.contrib.auth.hashers import make_password

from realworld.articles.models import Article, ArticleTag, Favorite, Tag
from realworld.comments.models import Comment
from realworld.profiles.models import Follow
from realworld.users.models import User

PASSWORD = "password123"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class ArticleFactory(factory.django.DjangoModelFactory[Article]):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    description = "A description"
    body = "A body"
    author = factory.SubFactory(UserFactory)

    @factory.post_generation
    def tags(self, create: bool, names: list[str] | None, **kwargs: object) -> None:
        for name in names or []:
            tag, _ = Tag.objects.get_or_create(name=name)
            ArticleTag.objects.create(article=self, tag=tag)  # type: ignore[misc]  # self is the Article here


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")


class FavoriteFactory(factory.django.DjangoModelFactory[Favorite]):
    class Meta:
        model = Favorite

    user = factory.SubFactory(UserFactory)
    article = factory.SubFactory(ArticleFactory)


class FollowFactory(factory.django.DjangoModelFactory[Follow]):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followee = factory.SubFactory(UserFactory)
