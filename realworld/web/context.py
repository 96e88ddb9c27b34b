"""What every page's template can use: the signed-in user (None when anonymous) and the page's
own path, where its forms send the visitor back."""

from typing import Any

from django.http import HttpRequest

from realworld.users.models import User


def viewer_of(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


def conduit(request: HttpRequest) -> dict[str, Any]:
    return {"viewer": viewer_of(request), "this_page": request.get_full_path()}
