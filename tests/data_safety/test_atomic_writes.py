"""Every write is atomic, and concurrent writes neither duplicate nor lose rows.

Real PostgreSQL, committed transactions (transaction=True) and real threads, each with its own
connection; a barrier releases the threads together to make the races likely.
"""

import threading
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from rest_framework.test import APIClient

from realworld.articles.models import Article, ArticleTag, Tag
from realworld.comments.models import Comment
from realworld.profiles.models import Follow
from realworld.users.models import User

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def signed_in(name: str) -> APIClient:
    api = APIClient()
    body = {"user": {"username": name, "email": f"{name}@example.com", "password": "pw-12345678"}}
    token = api.post("/api/users", body, format="json").json()["user"]["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def together(calls: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = calls[index]()
        except Exception as error:  # reported by the assertions below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def statuses(results: list[object]) -> list[int]:
    return sorted(getattr(r, "status_code", -1) for r in results)


def test_a_failure_while_tagging_leaves_no_partial_article():
    api = signed_in("author")
    article = {"title": "Half", "description": "d", "body": "b", "tagList": ["new-tag"]}
    with mock.patch.object(ArticleTag.objects, "bulk_create", side_effect=DatabaseError("boom")):
        response = api.post("/api/articles", {"article": article}, format="json")
    assert response.status_code == 503
    assert response.json() == {"errors": {"database": ["is unavailable; retry shortly"]}}
    assert not Article.objects.exists()
    assert not Tag.objects.exists()  # the tag created just before the failure is gone too


def test_a_failure_while_updating_tags_keeps_the_old_article():
    api = signed_in("author")
    article = {"title": "Whole", "description": "d", "body": "b", "tagList": ["old"]}
    slug = api.post("/api/articles", {"article": article}, format="json").json()["article"]["slug"]
    change = {"title": "Renamed", "tagList": ["new"]}
    with mock.patch.object(ArticleTag.objects, "bulk_create", side_effect=DatabaseError("boom")):
        response = api.put(f"/api/articles/{slug}", {"article": change}, format="json")
    assert response.status_code == 503
    kept = api.get(f"/api/articles/{slug}").json()["article"]
    assert (kept["title"], kept["tagList"]) == ("Whole", ["old"])


def test_parallel_comments_are_all_kept_once():
    author = signed_in("author")
    article = {"title": "Busy", "description": "d", "body": "b"}
    slug = author.post("/api/articles", {"article": article}, format="json").json()["article"]
    clients = [signed_in(f"c{i}") for i in range(THREADS)]
    path = f"/api/articles/{slug['slug']}/comments"
    results = together(
        [
            (lambda api=api, i=i: api.post(path, {"comment": {"body": f"c{i}"}}, format="json"))
            for i, api in enumerate(clients)
        ]
    )
    assert statuses(results) == [201] * THREADS or statuses(results) == [200] * THREADS
    assert sorted(Comment.objects.values_list("body", flat=True)) == [f"c{i}" for i in range(8)]
    listed = author.get(path).json()["comments"]
    assert len({c["id"] for c in listed}) == THREADS


def test_parallel_follow_and_unfollow_by_many_users_leave_exact_rows():
    signed_in("star")
    fans = [signed_in(f"fan{i}") for i in range(THREADS)]
    path = "/api/profiles/star/follow"
    results = together([(lambda api=api: api.post(path)) for api in fans] * 2)
    assert statuses(results) == [200] * (2 * THREADS)
    assert Follow.objects.filter(followee__username="star").count() == THREADS
    results = together([(lambda api=api: api.delete(path)) for api in fans[:4]] * 2)
    assert statuses(results) == [200] * 8
    assert Follow.objects.filter(followee__username="star").count() == THREADS - 4


def test_parallel_registrations_of_one_name_make_one_user():
    body = {"user": {"username": "same", "email": "same@example.com", "password": "pw-12345678"}}
    results = together([(lambda: APIClient().post("/api/users", body, format="json"))] * THREADS)
    assert statuses(results) == [201] + [409] * (THREADS - 1)
    assert User.objects.filter(username="same").count() == 1


def test_parallel_articles_with_one_title_get_distinct_slugs():
    api = signed_in("author")
    article = {"title": "Same title", "description": "d", "body": "b", "tagList": ["t", "u"]}
    results = together(
        [(lambda: api.post("/api/articles", {"article": article}, format="json"))] * THREADS
    )
    assert statuses(results) == [201] * THREADS
    assert Article.objects.values("slug").distinct().count() == THREADS
    assert Tag.objects.count() == 2
    assert ArticleTag.objects.count() == 2 * THREADS
