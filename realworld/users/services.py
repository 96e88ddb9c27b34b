"""Writes for users: registration, sign-in, profile and credential changes."""

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from rest_framework_simplejwt.tokens import Token

from realworld import metrics
from realworld.common import messages
from realworld.common.exceptions import Conflict, InvalidCredentials, Messages, TokenRevoked
from realworld.common.services import model_update, violated_constraint
from realworld.users.models import EMAIL_UNIQUE, User
from realworld.users.tokens import token_is_current


def user_names_taken(
    *, email: str | None, username: str | None, exclude_id: int | None = None
) -> Messages:
    """Which of these names another user already has (case-insensitively), as field errors."""
    others = User.objects.exclude(pk=exclude_id) if exclude_id else User.objects.all()
    taken: Messages = {}
    if (
        username is not None
        and others.alias(u=Lower("username")).filter(u=username.lower()).exists()
    ):
        taken["username"] = [messages.TAKEN]
    if email is not None and others.alias(e=Lower("email")).filter(e=email.lower()).exists():
        taken["email"] = [messages.TAKEN]
    return taken


def _check_unique(*, email: str | None, username: str | None, exclude_id: int | None) -> None:
    taken = user_names_taken(email=email, username=username, exclude_id=exclude_id)
    if taken:
        raise Conflict(taken)


def _raise_taken(error: IntegrityError) -> None:
    # A concurrent request took the name between our check and our write: the unique
    # constraint (users.User.Meta) decided, and its name says which field.
    field = "email" if violated_constraint(error) == EMAIL_UNIQUE else "username"
    raise Conflict({field: [messages.TAKEN]}) from error


@transaction.atomic
def user_register(*, email: str, username: str, password: str) -> User:
    _check_unique(email=email, username=username, exclude_id=None)
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, username=username, password=password)
    except IntegrityError as error:
        _raise_taken(error)
        raise


def user_authenticate(*, email: str, password: str) -> User:
    user = User.objects.alias(e=Lower("email")).filter(e=email.lower()).first()
    if user is None:
        # Hash anyway so an unknown email takes as long as a wrong password.
        make_password(password)
    elif user.check_password(password) and user.is_active:
        metrics.LOGINS.labels(outcome="success").inc()
        return user
    metrics.LOGINS.labels(outcome="bad_credentials").inc()
    raise InvalidCredentials


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any], token: Token | None = None) -> User:
    """Changes the given fields (email, username, bio, image, password); the rest stay.

    A new password or email revokes every token issued before, but `token` (the one the change
    is made with, if any). The user's row is locked and read again first: two changes racing
    (an owner changing the password while a thief with a stolen token changes the email) are
    applied one after the other, and the second is refused when the first revoked its token,
    instead of both incrementing a stale token version and the last one choosing the token
    that survives.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if token is not None and not token_is_current(token, user):
        raise TokenRevoked
    _check_unique(email=data.get("email"), username=data.get("username"), exclude_id=user.pk)
    changed = model_update(user, fields=("email", "username", "bio", "image"), data=data)
    if data.get("password"):
        user.set_password(data["password"])
        changed.append("password")
    if {"password", "email"} & set(changed):
        user.token_version += 1  # the row is locked: no other change read the old version
        user.kept_token_id = str(token.get("jti", "")) if token is not None else ""
        changed += ["token_version", "kept_token_id"]
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as error:
            _raise_taken(error)
            raise
    return user
