import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from realworld.articles.models import Article, ArticleTag, Favorite, Tag
from realworld.articles.selectors import article_by_slug, article_id_by_slug
from realworld.common import ratelimit
from realworld.common.exceptions import Forbidden
from realworld.common.services import model_update, violated_constraint
from realworld.users.models import User

SLUG_BASE_LENGTH = 200
SLUG_ATTEMPTS = 5
# PostgreSQL's name for the UNIQUE of Article.slug (<table>_<column>_key), reported when two
# writers take one slug at once.
SLUG_UNIQUE = f"{Article._meta.db_table}_slug_key"


# Slugs that a route already uses (/api/articles/feed): an article there could never be read.
RESERVED_SLUGS = frozenset({"feed"})


def _slug_base(title: str) -> str:
    return slugify(title, allow_unicode=True)[:SLUG_BASE_LENGTH].strip("-") or "article"


def _save_with_unique_slug(article: Article, *, update_fields: list[str] | None = None) -> None:
    """Saves with a slug from the title; equal titles get a short random suffix.

    The unique index decides under concurrency: on a clash we retry with a new suffix.
    """
    base = _slug_base(article.title)
    taken = (
        base in RESERVED_SLUGS or Article.objects.filter(slug=base).exclude(pk=article.pk).exists()
    )
    for attempt in range(SLUG_ATTEMPTS):
        article.slug = f"{base}-{secrets.token_hex(3)}" if taken or attempt else base
        try:
            with transaction.atomic():
                article.save(update_fields=update_fields)
            return
        except IntegrityError as error:
            if violated_constraint(error) != SLUG_UNIQUE:
                raise
    raise IntegrityError(f"no free slug for {base!r} after {SLUG_ATTEMPTS} attempts")


def _set_tags(article: Article, names: list[str]) -> None:
    ArticleTag.objects.filter(article=article).exclude(tag__name__in=names).delete()
    if not names:
        return
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tag_ids = Tag.objects.filter(name__in=names).values_list("id", flat=True)
    ArticleTag.objects.bulk_create(
        [ArticleTag(article=article, tag_id=tag_id) for tag_id in tag_ids], ignore_conflicts=True
    )


def _owned_article(*, slug: str, user: User) -> Article:
    article = article_by_slug(slug=slug)
    if article.author_id != user.pk:
        raise Forbidden("article")
    return article


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


@transaction.atomic
def article_create(
    *, author: User, title: str, description: str, body: str, tag_list: list[str]
) -> Article:
    ratelimit.hit("article_write", str(author.pk))
    article = Article(author=author, title=title, description=description, body=body)
    _save_with_unique_slug(article)
    _set_tags(article, _unique(tag_list))
    return article


@transaction.atomic
def article_update(*, slug: str, user: User, data: dict[str, Any]) -> Article:
    ratelimit.hit("article_write", str(user.pk))
    article = _owned_article(slug=slug, user=user)
    changed = model_update(article, fields=("title", "description", "body"), data=data)
    if "title" in changed:
        _save_with_unique_slug(article, update_fields=[*changed, "slug", "updated_at"])
    elif changed:
        article.save(update_fields=[*changed, "updated_at"])
    if "tag_list" in data:
        _set_tags(article, _unique(data["tag_list"]))
    return article


@transaction.atomic
def article_delete(*, slug: str, user: User) -> None:
    # Comments, favorites and tag links go with it (ON DELETE CASCADE in the models).
    ratelimit.hit("article_write", str(user.pk))
    _owned_article(slug=slug, user=user).delete()


@transaction.atomic
def article_favorite(*, slug: str, user: User) -> None:
    ratelimit.hit("social_write", str(user.pk))
    # INSERT ... ON CONFLICT DO NOTHING: idempotent, and race-free even against a concurrent
    # unfavorite (get_or_create's re-read after a conflict can miss a row deleted meanwhile).
    Favorite.objects.bulk_create(
        [Favorite(user=user, article_id=article_id_by_slug(slug=slug))], ignore_conflicts=True
    )


@transaction.atomic
def article_unfavorite(*, slug: str, user: User) -> None:
    ratelimit.hit("social_write", str(user.pk))
    Favorite.objects.filter(user=user, article_id=article_id_by_slug(slug=slug)).delete()
