"""Request validation and response bodies for /users and /user."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from realworld.users.models import User

BLANK: dict[str, Any] = {
    "blank": "can't be blank",
    "required": "can't be blank",
    "null": "can't be blank",
}


def validate_username(value: str) -> None:
    if "/" in value or any(not ch.isprintable() for ch in value):
        raise serializers.ValidationError("must not contain '/' or control characters")


def check_password(value: str) -> None:
    try:
        validate_password(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(list(error.messages)) from error


class PasswordField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("error_messages", BLANK)
        kwargs.setdefault("write_only", True)
        super().__init__(**kwargs)


class OptionalTextField(serializers.CharField):
    """bio and image: a string, or null/"" to clear it (stored as null)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, allow_blank=True, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> str | None:
        return super().run_validation(data) or None


class RegisterSerializer(serializers.Serializer):
    class NewUser(serializers.Serializer):
        username = serializers.CharField(
            max_length=64, error_messages=BLANK, validators=[validate_username]
        )
        email = serializers.EmailField(max_length=254, error_messages=BLANK)
        password = PasswordField(validators=[check_password])

    user = NewUser()


class LoginSerializer(serializers.Serializer):
    class LoginUser(serializers.Serializer):
        email = serializers.CharField(max_length=254, error_messages=BLANK)
        password = PasswordField()

    user = LoginUser()


class UserUpdateSerializer(serializers.Serializer):
    class UpdateUser(serializers.Serializer):
        username = serializers.CharField(
            max_length=64, required=False, error_messages=BLANK, validators=[validate_username]
        )
        email = serializers.EmailField(max_length=254, required=False, error_messages=BLANK)
        password = PasswordField(required=False, validators=[check_password])
        bio = OptionalTextField(max_length=10_000)
        image = OptionalTextField(max_length=2048, validators=[])

        def validate_image(self, value: str | None) -> str | None:
            if value is not None:
                serializers.URLField().run_validators(value)
            return value

    user = UpdateUser()


# --- Response bodies: plain dicts, documented by the serializers below ----------------------


def user_body(user: User, token: str) -> dict[str, Any]:
    return {
        "user": {
            "email": user.email,
            "token": token,
            "username": user.username,
            "bio": user.bio,
            "image": user.image,
        }
    }


class UserDoc(serializers.Serializer):
    email = serializers.EmailField()
    token = serializers.CharField()
    username = serializers.CharField()
    bio = serializers.CharField(allow_null=True)
    image = serializers.CharField(allow_null=True)


class UserResponseDoc(serializers.Serializer):
    user = UserDoc()
