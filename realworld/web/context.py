"""What every page's template can use: the signed-in user (None when anonymous) and the page's
own path, where its forms send the visitor back."""

from typing import Any, cast

from django.http import HttpRequest

from realworld.users.models import User


def viewer_of(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return None
    # The User itself, not the lazy stand-in Django's AuthenticationMiddleware puts on the
    # request (already resolved by the isinstance above): every attribute a template reads
    # through the stand-in is a proxy call more.
    return cast(User, getattr(user, "_wrapped", user))


def conduit(request: HttpRequest) -> dict[str, Any]:
    return {"viewer": viewer_of(request), "this_page": request.get_full_path()}
