from django.db import transaction

from realworld.common import ratelimit
from realworld.common.exceptions import Invalid, NotFound
from realworld.common.text import storable
from realworld.profiles.models import Follow
from realworld.users.models import User


def _user_by_username(username: str) -> User:
    user = User.objects.filter(username=username).first() if storable(username) else None
    if user is None:
        raise NotFound("profile")
    return user


@transaction.atomic
def profile_follow(*, follower: User, username: str) -> None:
    ratelimit.hit("social_write", str(follower.pk))
    followee = _user_by_username(username)
    if followee.pk == follower.pk:
        raise Invalid({"profile": ["can't be followed by its own user"]})
    # INSERT ... ON CONFLICT DO NOTHING: idempotent, and race-free even against a concurrent
    # unfollow (get_or_create's re-read after a conflict can miss a row deleted meanwhile).
    Follow.objects.bulk_create(
        [Follow(follower=follower, followee=followee)], ignore_conflicts=True
    )


@transaction.atomic
def profile_unfollow(*, follower: User, username: str) -> None:
    ratelimit.hit("social_write", str(follower.pk))
    followee = _user_by_username(username)
    Follow.objects.filter(follower=follower, followee=followee).delete()
