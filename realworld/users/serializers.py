"""Request validation and response bodies for /users and /user."""

from typing import Any

from rest_framework import serializers

from realworld.common.inputs import OptionalText, text
from realworld.common.text import text_field_options
from realworld.users.models import (
    BIO_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    IMAGE_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_MAX_LENGTH,
    User,
)
from realworld.users.rules import validate_image_url, validate_username


def username_field(**kwargs: Any) -> serializers.CharField:
    return text(max_length=USERNAME_MAX_LENGTH, validators=[validate_username], **kwargs)


def email_field(**kwargs: Any) -> serializers.EmailField:
    return serializers.EmailField(**text_field_options(max_length=EMAIL_MAX_LENGTH), **kwargs)


def password_field(**kwargs: Any) -> serializers.CharField:
    return text(
        max_length=PASSWORD_MAX_LENGTH,
        min_length=PASSWORD_MIN_LENGTH,
        trim_whitespace=False,
        write_only=True,
        **kwargs,
    )


class RegisterSerializer(serializers.Serializer):
    username = username_field()
    email = email_field()
    password = password_field()


class LoginSerializer(serializers.Serializer):
    email = text(max_length=EMAIL_MAX_LENGTH)
    # No minimum here: a wrong password is "credentials invalid", whatever its length.
    password = text(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True)


class UserUpdateSerializer(serializers.Serializer):
    username = username_field(required=False)
    email = email_field(required=False)
    password = password_field(required=False)
    bio = OptionalText(max_length=BIO_MAX_LENGTH)
    image = OptionalText(max_length=IMAGE_MAX_LENGTH, validators=[validate_image_url])


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
