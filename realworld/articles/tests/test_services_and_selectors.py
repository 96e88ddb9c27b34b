import pytest

from realworld.articles.models import Article, ArticleTag, Favorite, Tag
from realworld.articles.selectors import (
    ArticleNarrow,
    article_feed,
    article_get,
    article_list,
    tag_list,
)
from realworld.articles.services import (
    article_create,
    article_delete,
    article_favorite,
    article_unfavorite,
    article_update,
)
from realworld.common.exceptions import Forbidden, NotFound
from realworld.common.paging import Page
from tests.support.factories import ArticleFactory, FavoriteFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db
FIRST_PAGE = Page(limit=20, offset=0)


class TestArticleCreate:
    def test_creates_the_article_its_tags_and_a_slug(self, user):
        article = article_create(
            author=user, title="Hello World", description="d", body="b", tag_list=["x", "y"]
        )

        assert article.slug == "hello-world"
        assert sorted(Tag.objects.values_list("name", flat=True)) == ["x", "y"]
        assert ArticleTag.objects.filter(article=article).count() == 2

    def test_reuses_existing_tags(self, user):
        article_create(author=user, title="a", description="d", body="b", tag_list=["x"])
        article_create(author=user, title="b", description="d", body="b", tag_list=["x"])

        assert Tag.objects.count() == 1

    def test_slugs_are_cut_to_fit(self, user):
        article = article_create(
            author=user, title="word " * 50, description="d", body="b", tag_list=[]
        )

        assert len(article.slug) <= 200
        assert not article.slug.endswith("-")


class TestArticleUpdateAndDelete:
    def test_only_the_author_may_update(self, user):
        article = ArticleFactory()

        with pytest.raises(Forbidden):
            article_update(slug=article.slug, user=user, data={"title": "mine now"})

    def test_a_title_change_moves_the_slug(self, user):
        article = ArticleFactory(author=user)

        updated = article_update(slug=article.slug, user=user, data={"title": "Brand new"})

        assert updated.slug == "brand-new"
        assert Article.objects.get(pk=article.pk).slug == "brand-new"

    def test_a_new_title_equal_to_another_articles_gets_a_suffix(self, user):
        ArticleFactory(title="Taken", slug="taken")
        article = ArticleFactory(author=user)

        updated = article_update(slug=article.slug, user=user, data={"title": "Taken"})

        assert updated.slug.startswith("taken-")

    def test_only_the_author_may_delete(self, user):
        article = ArticleFactory()

        with pytest.raises(Forbidden):
            article_delete(slug=article.slug, user=user)
        assert Article.objects.filter(pk=article.pk).exists()


class TestFavorites:
    def test_favorite_is_idempotent(self, user):
        article = ArticleFactory()

        article_favorite(slug=article.slug, user=user)
        article_favorite(slug=article.slug, user=user)

        assert Favorite.objects.filter(user=user, article=article).count() == 1
        article_unfavorite(slug=article.slug, user=user)
        article_unfavorite(slug=article.slug, user=user)
        assert not Favorite.objects.exists()

    def test_unknown_article(self, user):
        with pytest.raises(NotFound):
            article_favorite(slug="nope", user=user)


class TestSelectors:
    def test_article_list_counts_all_matches_and_pages(self):
        ArticleFactory.create_batch(3, tags=["t"])
        ArticleFactory()

        rows, count = article_list(filters=ArticleNarrow(tag="t"), viewer=None, page=Page(2, 0))

        assert count == 3
        assert len(rows) == 2
        assert all(row["tag_list"] == ["t"] for row in rows)
        assert all(row["favorited"] is False for row in rows)

    def test_article_list_viewer_flags(self, user):
        article = ArticleFactory()
        FavoriteFactory(article=article, user=user)
        FollowFactory(follower=user, followee=article.author)

        rows, _ = article_list(filters=ArticleNarrow(), viewer=user, page=FIRST_PAGE)

        assert rows[0]["favorited"] is True
        assert rows[0]["favorites_count"] == 1
        assert rows[0]["author_following"] is True

    def test_article_feed_only_has_followed_authors(self, user):
        followed = UserFactory()
        FollowFactory(follower=user, followee=followed)
        mine = ArticleFactory(author=followed)
        ArticleFactory()

        rows, count = article_feed(viewer=user, page=FIRST_PAGE)

        assert [row["slug"] for row in rows] == [mine.slug]
        assert count == 1

    def test_article_get_includes_the_body_and_raises_404(self):
        article = ArticleFactory(body="the body")

        assert article_get(slug=article.slug, viewer=None)["body"] == "the body"
        with pytest.raises(NotFound):
            article_get(slug="nope", viewer=None)

    def test_tag_list_is_sorted_and_only_in_use(self):
        ArticleFactory(tags=["b", "a"])
        Tag.objects.create(name="orphan")

        assert tag_list() == ["a", "b"]
