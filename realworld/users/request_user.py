"""Typed access to the user behind a request: DRF's, or a plain GET's (common/plain_get.py)."""

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from realworld.users.models import User


def request_viewer(request: Request | HttpRequest) -> User | None:
    """The signed-in user, or None for an anonymous request (auth optional)."""
    user = request.user
    return user if isinstance(user, User) else None


def request_user(request: Request | HttpRequest) -> User:
    """The signed-in user, for views behind IsAuthenticated."""
    user = request_viewer(request)
    if user is None:
        raise NotAuthenticated
    return user
