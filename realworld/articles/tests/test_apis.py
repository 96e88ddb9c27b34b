import re

import pytest

from realworld.articles.models import Article, ArticleTag, Favorite
from realworld.comments.models import Comment
from tests.support.concurrency import in_parallel
from tests.support.factories import (
    ArticleFactory,
    CommentFactory,
    FavoriteFactory,
    FollowFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NEW_ARTICLE = {
    "title": "How to train your dragon",
    "description": "Ever wonder how?",
    "body": "You have to believe",
    "tagList": ["training", "dragons"],
}


def create(api, **fields):
    return api.post("/api/articles", {"article": {**NEW_ARTICLE, **fields}}, format="json")


class TestCreate:
    def test_returns_201_and_the_article(self, auth_client, user):
        response = create(auth_client)

        assert response.status_code == 201
        article = response.json()["article"]
        assert article["slug"] == "how-to-train-your-dragon"
        assert article["title"] == NEW_ARTICLE["title"]
        assert article["description"] == NEW_ARTICLE["description"]
        assert article["body"] == NEW_ARTICLE["body"]
        assert article["tagList"] == ["dragons", "training"]  # sorted, as the suite expects
        assert article["favorited"] is False
        assert article["favoritesCount"] == 0
        assert TIMESTAMP.match(article["createdAt"])
        assert TIMESTAMP.match(article["updatedAt"])
        assert article["author"] == {
            "username": user.username,
            "bio": None,
            "image": None,
            "following": False,
        }

    def test_without_tags(self, auth_client):
        article = dict(NEW_ARTICLE)
        del article["tagList"]

        response = auth_client.post("/api/articles", {"article": article}, format="json")

        assert response.status_code == 201
        assert response.json()["article"]["tagList"] == []

    def test_repeated_tags_are_stored_once(self, auth_client):
        response = create(auth_client, tagList=["a", "b", "a"])

        assert response.json()["article"]["tagList"] == ["a", "b"]
        assert ArticleTag.objects.count() == 2

    def test_equal_titles_get_distinct_slugs(self, auth_client):
        first = create(auth_client).json()["article"]["slug"]
        second = create(auth_client).json()["article"]["slug"]

        assert first == "how-to-train-your-dragon"
        assert second.startswith("how-to-train-your-dragon-")
        assert second != first

    def test_slugs_keep_unicode(self, auth_client):
        response = create(auth_client, title="Привет, мир! 你好")

        assert response.json()["article"]["slug"] == "привет-мир-你好"
        assert auth_client.get("/api/articles/привет-мир-你好").status_code == 200

    def test_a_title_without_letters_still_gets_a_slug(self, auth_client):
        response = create(auth_client, title="!!!")

        assert response.status_code == 201
        assert response.json()["article"]["slug"] == "article"

    def test_names_every_missing_field(self, auth_client):
        response = auth_client.post("/api/articles", {"article": {}}, format="json")

        assert response.status_code == 422
        assert response.json()["errors"] == {
            "title": ["can't be blank"],
            "description": ["can't be blank"],
            "body": ["can't be blank"],
        }

    @pytest.mark.parametrize(
        ("tag_list", "message"),
        [
            ("dragons", "must be a list"),
            ([""], "[0] can't be blank"),
            ([["nested"]], "[0] is invalid"),
            ([None], "[0] can't be blank"),
            (["x" * 65], "[0] is too long (maximum is 64 characters)"),
            ({"a": 1}, "must be a list"),
            (["t"] * 21, "is too long (maximum is 20 tags)"),
            (None, "can't be blank"),
        ],
    )
    def test_rejects_a_bad_tag_list(self, auth_client, tag_list, message):
        response = create(auth_client, tagList=tag_list)

        assert response.status_code == 422
        assert response.json() == {"errors": {"tagList": [message]}}
        assert not Article.objects.exists()

    def test_keeps_metacharacters_and_unicode_intact(self, auth_client):
        title = "'; DROP TABLE articles;-- <script>alert(1)</script> 🐉"
        tag = "<b>&'\"%_\\"

        response = create(auth_client, title=title, tagList=[tag])

        article = auth_client.get(f"/api/articles/{response.json()['article']['slug']}").json()
        assert article["article"]["title"] == title
        assert article["article"]["tagList"] == [tag]
        assert auth_client.get("/api/articles", {"tag": tag}).json()["articlesCount"] == 1

    def test_requires_a_token(self, api_client):
        assert create(api_client).status_code == 401


class TestGet:
    def test_returns_the_article_with_viewer_fields(self, auth_client, user):
        article = ArticleFactory(tags=["b", "a"])
        FollowFactory(follower=user, followee=article.author)
        FavoriteFactory(user=user, article=article)
        FavoriteFactory(article=article)

        response = auth_client.get(f"/api/articles/{article.slug}")

        assert response.status_code == 200
        body = response.json()["article"]
        assert body["tagList"] == ["a", "b"]
        assert body["favorited"] is True
        assert body["favoritesCount"] == 2
        assert body["author"]["following"] is True

    def test_anonymous_sees_false_flags(self, api_client):
        article = ArticleFactory()
        FavoriteFactory(article=article)

        body = api_client.get(f"/api/articles/{article.slug}").json()["article"]

        assert body["favorited"] is False
        assert body["favoritesCount"] == 1
        assert body["author"]["following"] is False

    def test_unknown_slug_is_a_404(self, api_client):
        response = api_client.get("/api/articles/nope")

        assert response.status_code == 404
        assert response.json() == {"errors": {"article": ["not found"]}}


class TestUpdate:
    def test_the_author_updates_and_the_slug_follows_the_title(self, auth_client, user):
        article = ArticleFactory(author=user, title="Old", slug="old")

        response = auth_client.put(
            f"/api/articles/{article.slug}", {"article": {"title": "New title"}}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["article"]["slug"] == "new-title"
        assert response.json()["article"]["body"] == "A body"
        assert auth_client.get("/api/articles/old").status_code == 404
        assert auth_client.get("/api/articles/new-title").status_code == 200

    def test_body_only_keeps_the_slug(self, auth_client, user):
        article = ArticleFactory(author=user, slug="keep")

        response = auth_client.put(
            "/api/articles/keep", {"article": {"body": "With two hands"}}, format="json"
        )

        assert response.json()["article"]["slug"] == "keep"
        assert response.json()["article"]["body"] == "With two hands"
        article.refresh_from_db()
        assert article.updated_at > article.created_at

    def test_replaces_tags_when_given(self, auth_client, user):
        ArticleFactory(author=user, slug="tagged", tags=["old", "kept"])

        response = auth_client.put(
            "/api/articles/tagged", {"article": {"tagList": ["kept", "new"]}}, format="json"
        )

        assert response.json()["article"]["tagList"] == ["kept", "new"]

    def test_someone_else_gets_a_403(self, auth_client):
        ArticleFactory(slug="theirs")

        response = auth_client.put(
            "/api/articles/theirs", {"article": {"body": "x"}}, format="json"
        )

        assert response.status_code == 403
        assert Article.objects.get(slug="theirs").body == "A body"

    def test_unknown_slug_is_a_404(self, auth_client):
        response = auth_client.put("/api/articles/nope", {"article": {"body": "x"}}, format="json")

        assert response.status_code == 404

    def test_blank_title_is_a_422(self, auth_client, user):
        ArticleFactory(author=user, slug="mine")

        response = auth_client.put("/api/articles/mine", {"article": {"title": ""}}, format="json")

        assert response.status_code == 422

    def test_requires_a_token(self, api_client):
        ArticleFactory(slug="a")

        assert api_client.put("/api/articles/a", {"article": {}}, format="json").status_code == 401


class TestDelete:
    def test_the_author_deletes_it_with_its_comments_and_favorites(self, auth_client, user):
        article = ArticleFactory(author=user, tags=["t"])
        CommentFactory(article=article)
        FavoriteFactory(article=article)

        response = auth_client.delete(f"/api/articles/{article.slug}")

        assert response.status_code == 204
        assert response.content == b""
        assert not Article.objects.exists()
        assert not Comment.objects.exists()
        assert not Favorite.objects.exists()
        assert not ArticleTag.objects.exists()

    def test_someone_else_gets_a_403(self, auth_client):
        ArticleFactory(slug="theirs")

        assert auth_client.delete("/api/articles/theirs").status_code == 403
        assert Article.objects.filter(slug="theirs").exists()

    def test_unknown_slug_is_a_404(self, auth_client):
        assert auth_client.delete("/api/articles/nope").status_code == 404

    def test_requires_a_token(self, api_client):
        ArticleFactory(slug="a")

        assert api_client.delete("/api/articles/a").status_code == 401


class TestList:
    def test_most_recent_first_without_bodies(self, api_client):
        older, newer = ArticleFactory(), ArticleFactory()

        response = api_client.get("/api/articles")

        assert response.status_code == 200
        body = response.json()
        assert [a["slug"] for a in body["articles"]] == [newer.slug, older.slug]
        assert body["articlesCount"] == 2
        assert all("body" not in article for article in body["articles"])

    def test_count_is_the_total_not_the_page(self, api_client):
        ArticleFactory.create_batch(5)

        body = api_client.get("/api/articles", {"limit": 2, "offset": 1}).json()

        assert body["articlesCount"] == 5
        assert len(body["articles"]) == 2

    def test_offset_and_limit_page_through(self, api_client):
        articles = ArticleFactory.create_batch(5)
        newest_first = [a.slug for a in reversed(articles)]

        pages = [
            [
                a["slug"]
                for a in api_client.get("/api/articles", {"limit": 2, "offset": o}).json()[
                    "articles"
                ]
            ]
            for o in (0, 2, 4)
        ]

        assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]

    def test_default_limit_is_20_and_limit_is_capped_at_100(self, api_client):
        ArticleFactory.create_batch(105)

        assert len(api_client.get("/api/articles").json()["articles"]) == 20
        capped = api_client.get("/api/articles", {"limit": 1000}).json()
        assert len(capped["articles"]) == 100
        assert capped["articlesCount"] == 105

    @pytest.mark.parametrize(
        ("query", "errors"),
        [
            ({"limit": -1}, {"limit": ["must be greater than or equal to 1"]}),
            ({"limit": 0}, {"limit": ["must be greater than or equal to 1"]}),
            ({"limit": "abc"}, {"limit": ["is not a number"]}),
            ({"offset": -1}, {"offset": ["must be greater than or equal to 0"]}),
            ({"offset": "1.5"}, {"offset": ["is not a number"]}),
            ({"offset": 2**40}, {"offset": ["must be less than or equal to 2147483647"]}),
        ],
    )
    def test_bad_paging_is_a_422_in_the_spec_wording(self, api_client, query, errors):
        response = api_client.get("/api/articles", query)

        assert response.status_code == 422
        assert response.json() == {"errors": errors}

    def test_filters_by_tag(self, api_client):
        tagged = ArticleFactory(tags=["dragons", "x"])
        ArticleFactory(tags=["x"])

        body = api_client.get("/api/articles", {"tag": "dragons"}).json()

        assert [a["slug"] for a in body["articles"]] == [tagged.slug]
        assert body["articlesCount"] == 1
        assert body["articles"][0]["tagList"] == ["dragons", "x"]

    def test_filters_by_author(self, api_client):
        mine = ArticleFactory(author=UserFactory(username="jake"))
        ArticleFactory()

        body = api_client.get("/api/articles", {"author": "jake"}).json()

        assert [a["slug"] for a in body["articles"]] == [mine.slug]
        assert body["articlesCount"] == 1

    def test_filters_by_favorited(self, api_client):
        fan = UserFactory(username="fan")
        liked = ArticleFactory()
        FavoriteFactory(user=fan, article=liked)
        FavoriteFactory(article=ArticleFactory())

        body = api_client.get("/api/articles", {"favorited": "fan"}).json()

        assert [a["slug"] for a in body["articles"]] == [liked.slug]
        assert body["articlesCount"] == 1

    def test_filters_combine(self, api_client):
        jake = UserFactory(username="jake")
        match = ArticleFactory(author=jake, tags=["t"])
        ArticleFactory(author=jake)
        ArticleFactory(tags=["t"])

        body = api_client.get("/api/articles", {"author": "jake", "tag": "t"}).json()

        assert [a["slug"] for a in body["articles"]] == [match.slug]

    def test_unknown_author_gives_an_empty_page(self, api_client):
        ArticleFactory()

        assert api_client.get("/api/articles", {"author": "nobody"}).json() == {
            "articles": [],
            "articlesCount": 0,
        }

    def test_viewer_fields(self, auth_client, user):
        liked = ArticleFactory()
        FavoriteFactory(user=user, article=liked)
        FollowFactory(follower=user, followee=liked.author)
        other = ArticleFactory()

        articles = {a["slug"]: a for a in auth_client.get("/api/articles").json()["articles"]}

        assert articles[liked.slug]["favorited"] is True
        assert articles[liked.slug]["favoritesCount"] == 1
        assert articles[liked.slug]["author"]["following"] is True
        assert articles[other.slug]["favorited"] is False
        assert articles[other.slug]["author"]["following"] is False


class TestFeed:
    def test_lists_only_followed_authors(self, auth_client, user):
        followed = UserFactory()
        FollowFactory(follower=user, followee=followed)
        first, second = ArticleFactory(author=followed), ArticleFactory(author=followed)
        ArticleFactory()
        ArticleFactory(author=user)

        body = auth_client.get("/api/articles/feed").json()

        assert [a["slug"] for a in body["articles"]] == [second.slug, first.slug]
        assert body["articlesCount"] == 2
        assert all(a["author"]["following"] for a in body["articles"])
        assert all("body" not in a for a in body["articles"])

    def test_is_empty_when_following_nobody(self, auth_client):
        ArticleFactory()

        assert auth_client.get("/api/articles/feed").json() == {"articles": [], "articlesCount": 0}

    def test_pages(self, auth_client, user):
        followed = UserFactory()
        FollowFactory(follower=user, followee=followed)
        ArticleFactory.create_batch(3, author=followed)

        body = auth_client.get("/api/articles/feed", {"limit": 1, "offset": 1}).json()

        assert len(body["articles"]) == 1
        assert body["articlesCount"] == 3

    def test_requires_a_token(self, api_client):
        assert api_client.get("/api/articles/feed").status_code == 401


class TestFavorite:
    def test_favorite_then_unfavorite(self, auth_client, user):
        article = ArticleFactory()

        favorited = auth_client.post(f"/api/articles/{article.slug}/favorite")
        assert favorited.status_code == 200
        assert favorited.json()["article"]["favorited"] is True
        assert favorited.json()["article"]["favoritesCount"] == 1

        unfavorited = auth_client.delete(f"/api/articles/{article.slug}/favorite")
        assert unfavorited.status_code == 200
        assert unfavorited.json()["article"]["favorited"] is False
        assert unfavorited.json()["article"]["favoritesCount"] == 0

    def test_is_idempotent(self, auth_client):
        article = ArticleFactory()

        auth_client.post(f"/api/articles/{article.slug}/favorite")
        again = auth_client.post(f"/api/articles/{article.slug}/favorite")
        auth_client.delete(f"/api/articles/{article.slug}/favorite")
        undo_again = auth_client.delete(f"/api/articles/{article.slug}/favorite")

        assert again.json()["article"]["favoritesCount"] == 1
        assert undo_again.status_code == 200
        assert undo_again.json()["article"]["favoritesCount"] == 0

    def test_unknown_slug_is_a_404(self, auth_client):
        assert auth_client.post("/api/articles/nope/favorite").status_code == 404
        assert auth_client.delete("/api/articles/nope/favorite").status_code == 404

    def test_requires_a_token(self, api_client):
        article = ArticleFactory()

        assert api_client.post(f"/api/articles/{article.slug}/favorite").status_code == 401


class TestTags:
    def test_lists_tags_in_use(self, api_client):
        ArticleFactory(tags=["dragons", "training"])
        unused = ArticleFactory(tags=["gone"])
        unused.delete()

        response = api_client.get("/api/tags")

        assert response.status_code == 200
        assert response.json() == {"tags": ["dragons", "training"]}


@pytest.mark.django_db(transaction=True)
class TestConcurrentFavorites:
    def test_one_user_favoriting_in_parallel_makes_one_row(self, make_client):
        article = ArticleFactory()
        api = make_client(UserFactory())

        responses = in_parallel([lambda: api.post(f"/api/articles/{article.slug}/favorite")] * 8)

        assert [response.status_code for response in responses] == [200] * 8
        assert Favorite.objects.filter(article=article).count() == 1

    def test_many_users_favoriting_in_parallel_are_all_counted(self, make_client, api_client):
        article = ArticleFactory()
        clients = [make_client(UserFactory()) for _ in range(8)]

        responses = in_parallel(
            [lambda api=api: api.post(f"/api/articles/{article.slug}/favorite") for api in clients]
        )

        assert [response.status_code for response in responses] == [200] * 8
        assert (
            api_client.get(f"/api/articles/{article.slug}").json()["article"]["favoritesCount"] == 8
        )


@pytest.mark.django_db(transaction=True)
def test_parallel_favorites_and_unfavorites_never_fail(make_client):
    # A favorite racing an unfavorite once made get_or_create re-raise its IntegrityError.
    article = ArticleFactory()
    api = make_client(UserFactory())
    path = f"/api/articles/{article.slug}/favorite"
    responses = in_parallel(
        [lambda method=method: getattr(api, method)(path) for method in ["post", "delete"] * 4] * 10
    )

    assert [response.status_code for response in responses] == [200] * 80
    assert Favorite.objects.filter(article=article).count() <= 1
