from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework_simplejwt.tokens import AccessToken

from realworld.users.models import User

TAKEN = "has already been taken"


class InvalidCredentials(APIException):
    # Not AuthenticationFailed: DRF turns that into 403 on views without authenticators.
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "email or password is invalid"
    default_code = "invalid_credentials"


def user_token(*, user: User) -> str:
    return str(AccessToken.for_user(user))


def _check_unique(*, email: str | None, username: str | None, exclude_id: int | None) -> None:
    """Names each field already in use (case-insensitively), so the client can fix them all."""
    others = User.objects.exclude(pk=exclude_id) if exclude_id else User.objects.all()
    errors: dict[str, list[str]] = {}
    if email is not None and others.alias(e=Lower("email")).filter(e=email.lower()).exists():
        errors["email"] = [TAKEN]
    if (
        username is not None
        and others.alias(u=Lower("username")).filter(u=username.lower()).exists()
    ):
        errors["username"] = [TAKEN]
    if errors:
        raise ValidationError(errors)


def _raise_taken(error: IntegrityError) -> None:
    # A concurrent request took the name between our check and our insert.
    message = str(error)
    field = "email" if "email" in message else "username"
    raise ValidationError({field: [TAKEN]}) from error


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
        return user
    raise InvalidCredentials


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    _check_unique(email=data.get("email"), username=data.get("username"), exclude_id=user.pk)
    changed: list[str] = []
    for field in ("email", "username", "bio", "image"):
        if field in data and getattr(user, field) != data[field]:
            setattr(user, field, data[field])
            changed.append(field)
    if data.get("password"):
        user.set_password(data["password"])
        changed.append("password")
    if changed:
        user.full_clean(exclude=["password"], validate_constraints=False)
        try:
            with transaction.atomic():
                user.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as error:
            _raise_taken(error)
            raise
    return user
