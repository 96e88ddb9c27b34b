import threading

import pytest
from django.db import connection

from realworld.profiles.models import Follow
from tests.support.factories import FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestProfile:
    def test_anonymous_sees_following_false(self, api_client):
        celeb = UserFactory(username="celeb", bio="famous")

        response = api_client.get("/api/profiles/celeb")

        assert response.status_code == 200
        assert response.json() == {
            "profile": {"username": "celeb", "bio": "famous", "image": None, "following": False}
        }
        assert celeb.pk

    def test_a_follower_sees_following_true(self, auth_client, user):
        FollowFactory(follower=user, followee=UserFactory(username="celeb"))

        assert auth_client.get("/api/profiles/celeb").json()["profile"]["following"] is True

    def test_unknown_username_is_a_404(self, api_client):
        response = api_client.get("/api/profiles/nobody")

        assert response.status_code == 404
        assert response.json() == {"errors": {"profile": ["not found"]}}


class TestFollow:
    def test_follow_then_unfollow(self, auth_client, user):
        UserFactory(username="celeb")

        followed = auth_client.post("/api/profiles/celeb/follow")
        assert followed.status_code == 200
        assert followed.json()["profile"]["following"] is True
        assert Follow.objects.filter(follower=user).count() == 1

        unfollowed = auth_client.delete("/api/profiles/celeb/follow")
        assert unfollowed.status_code == 200
        assert unfollowed.json()["profile"]["following"] is False
        assert not Follow.objects.exists()

    def test_following_twice_keeps_one_row(self, auth_client):
        UserFactory(username="celeb")

        auth_client.post("/api/profiles/celeb/follow")
        again = auth_client.post("/api/profiles/celeb/follow")

        assert again.status_code == 200
        assert Follow.objects.count() == 1

    def test_unfollowing_someone_not_followed_is_fine(self, auth_client):
        UserFactory(username="celeb")

        response = auth_client.delete("/api/profiles/celeb/follow")

        assert response.status_code == 200
        assert response.json()["profile"]["following"] is False

    def test_cannot_follow_oneself(self, auth_client, user):
        response = auth_client.post(f"/api/profiles/{user.username}/follow")

        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["profile"]

    def test_unknown_username_is_a_404(self, auth_client):
        assert auth_client.post("/api/profiles/nobody/follow").status_code == 404
        assert auth_client.delete("/api/profiles/nobody/follow").status_code == 404

    def test_requires_a_token(self, api_client):
        UserFactory(username="celeb")

        assert api_client.post("/api/profiles/celeb/follow").status_code == 401
        assert api_client.delete("/api/profiles/celeb/follow").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_parallel_follows_of_the_same_profile_make_one_row(make_client):
    follower = UserFactory()
    UserFactory(username="celeb")
    statuses: list[int] = []

    def follow() -> None:
        try:
            statuses.append(make_client(follower).post("/api/profiles/celeb/follow").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=follow) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 8
    assert Follow.objects.filter(follower=follower).count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_follows_and_unfollows_never_fail(make_client):
    # A follow racing an unfollow of the same pair once made get_or_create re-raise its
    # IntegrityError (the conflicting row was gone by the re-read): a 503.
    api = make_client(UserFactory())
    UserFactory(username="celeb")
    statuses: list[int] = []

    def call(method: str) -> None:
        try:
            statuses.append(getattr(api, method)("/api/profiles/celeb/follow").status_code)
        finally:
            connection.close()

    for _ in range(10):
        threads = [threading.Thread(target=call, args=(m,)) for m in ["post", "delete"] * 4]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert statuses == [200] * 80
    assert Follow.objects.count() <= 1
