from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


def author_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """The `author` of an article or comment row (columns author__*, author_following)."""
    return {
        "username": row["author__username"],
        "bio": row["author__bio"],
        "image": row["author__image"],
        "following": row["author_following"],
    }


class ProfileDoc(serializers.Serializer):
    username = serializers.CharField()
    bio = serializers.CharField(allow_null=True)
    image = serializers.CharField(allow_null=True)
    following = serializers.BooleanField()


class ProfileResponseDoc(serializers.Serializer):
    profile = ProfileDoc()
