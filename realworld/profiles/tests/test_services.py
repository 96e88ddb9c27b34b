import pytest

from realworld.profiles.models import Follow
from realworld.profiles.services import profile_follow, profile_unfollow
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_follow_is_idempotent(user):
    celeb = UserFactory(username="celeb")

    profile_follow(follower=user, username="celeb")
    profile_follow(follower=user, username="celeb")

    assert Follow.objects.filter(follower=user, followee=celeb).count() == 1
    profile_unfollow(follower=user, username="celeb")
    assert not Follow.objects.exists()
