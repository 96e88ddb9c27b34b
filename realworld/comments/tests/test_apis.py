import re

import pytest

from realworld.comments.models import Comment
from tests.support.factories import ArticleFactory, CommentFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def add(api, slug, body="Thank you so much!"):
    return api.post(f"/api/articles/{slug}/comments", {"comment": {"body": body}}, format="json")


class TestAdd:
    def test_returns_the_comment(self, auth_client, user):
        article = ArticleFactory()

        response = add(auth_client, article.slug)

        assert response.status_code == 201  # API spec 2.0.0 (1.1.0 said 200)
        comment = response.json()["comment"]
        assert comment["body"] == "Thank you so much!"
        assert comment["id"] == Comment.objects.get().pk
        assert TIMESTAMP.match(comment["createdAt"])
        assert TIMESTAMP.match(comment["updatedAt"])
        assert comment["author"] == {
            "username": user.username,
            "bio": None,
            "image": None,
            "following": False,
        }

    @pytest.mark.parametrize(
        "payload",
        [{"comment": {}}, {"comment": {"body": "   "}}, {}, {"comment": {"body": ["x"]}}],
    )
    def test_rejects_a_missing_or_blank_body(self, auth_client, payload):
        article = ArticleFactory()

        response = auth_client.post(
            f"/api/articles/{article.slug}/comments", payload, format="json"
        )

        assert response.status_code == 422
        assert not Comment.objects.exists()

    def test_unknown_article_is_a_404(self, auth_client):
        assert add(auth_client, "nope").status_code == 404

    def test_requires_a_token(self, api_client):
        article = ArticleFactory()

        assert add(api_client, article.slug).status_code == 401


class TestList:
    def test_most_recent_first_with_following(self, auth_client, user):
        article = ArticleFactory()
        followed = UserFactory()
        FollowFactory(follower=user, followee=followed)
        older = CommentFactory(article=article, author=followed)
        newer = CommentFactory(article=article)
        CommentFactory()  # on another article

        response = auth_client.get(f"/api/articles/{article.slug}/comments")

        assert response.status_code == 200
        comments = response.json()["comments"]
        assert [c["id"] for c in comments] == [newer.pk, older.pk]
        assert [c["author"]["following"] for c in comments] == [False, True]

    def test_anonymous_can_read(self, api_client):
        comment = CommentFactory()

        comments = api_client.get(f"/api/articles/{comment.article.slug}/comments").json()[
            "comments"
        ]

        assert comments[0]["body"] == comment.body
        assert comments[0]["author"]["following"] is False

    def test_unknown_article_is_a_404(self, api_client):
        assert api_client.get("/api/articles/nope/comments").status_code == 404


class TestDelete:
    def test_the_author_deletes_it(self, auth_client, user):
        comment = CommentFactory(author=user)

        response = auth_client.delete(f"/api/articles/{comment.article.slug}/comments/{comment.pk}")

        assert response.status_code == 204
        assert not Comment.objects.exists()

    def test_someone_else_gets_a_403(self, auth_client):
        comment = CommentFactory()

        response = auth_client.delete(f"/api/articles/{comment.article.slug}/comments/{comment.pk}")

        assert response.status_code == 403
        assert Comment.objects.filter(pk=comment.pk).exists()

    def test_a_comment_of_another_article_is_a_404(self, auth_client, user):
        comment = CommentFactory(author=user)
        other = ArticleFactory()

        response = auth_client.delete(f"/api/articles/{other.slug}/comments/{comment.pk}")

        assert response.status_code == 404
        assert Comment.objects.filter(pk=comment.pk).exists()

    @pytest.mark.parametrize("comment_id", ["999999", str(2**63), "abc"])
    def test_unknown_ids_are_a_404(self, auth_client, comment_id):
        article = ArticleFactory()

        response = auth_client.delete(f"/api/articles/{article.slug}/comments/{comment_id}")

        assert response.status_code == 404
        # "abc" matches no route at all: then the resource is the URL itself.
        key = "resource" if comment_id == "abc" else "comment"
        assert response.json() == {"errors": {key: ["not found"]}}

    def test_requires_a_token(self, api_client):
        comment = CommentFactory()

        response = api_client.delete(f"/api/articles/{comment.article.slug}/comments/{comment.pk}")

        assert response.status_code == 401
