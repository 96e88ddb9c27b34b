from typing import Any

from django.db.models import Exists, OuterRef, Value

from realworld.common.exceptions import NotFound
from realworld.common.text import storable
from realworld.profiles.models import Follow
from realworld.users.models import User


def following_annotation(*, viewer: User | None, author_field: str = "pk") -> Any:
    """`following`: does the viewer follow the user at `author_field`? False when anonymous."""
    if viewer is None or not viewer.is_authenticated:
        return Value(False)
    return Exists(Follow.objects.filter(follower_id=viewer.pk, followee_id=OuterRef(author_field)))


def profile_get(*, username: str, viewer: User | None) -> dict[str, Any]:
    if not storable(username):
        raise NotFound("profile")
    row = (
        User.objects.filter(username=username)
        .annotate(following=following_annotation(viewer=viewer))
        .values("username", "bio", "image", "following")
        .first()
    )
    if row is None:
        raise NotFound("profile")
    return row
