import pytest
from django.db import IntegrityError

from realworld.articles import apis
from tests.support.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_constraint_broken_by_a_concurrent_write_is_a_json_409(auth_client, monkeypatch):
    article = ArticleFactory()

    def deleted_meanwhile(**kwargs):
        raise IntegrityError(
            'insert violates foreign key constraint "articles_favorite_article_id"'
        )

    monkeypatch.setattr(apis, "article_favorite", deleted_meanwhile)

    response = auth_client.post(f"/api/articles/{article.slug}/favorite")

    assert response.status_code == 409
    assert response.json() == {"errors": {"resource": ["changed while this request ran; retry"]}}
