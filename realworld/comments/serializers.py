from typing import Any

from rest_framework import serializers

from realworld.comments.models import COMMENT_MAX_LENGTH
from realworld.common.inputs import text
from realworld.common.text import validate_not_blank
from realworld.common.timestamps import iso_timestamp
from realworld.profiles.serializers import ProfileDoc, author_json


class CommentCreateSerializer(serializers.Serializer):
    body = text(
        max_length=COMMENT_MAX_LENGTH, trim_whitespace=False, validators=[validate_not_blank]
    )


def comment_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "createdAt": iso_timestamp(row["created_at"]),
        "updatedAt": iso_timestamp(row["updated_at"]),
        "body": row["body"],
        "author": author_json(row),
    }


class CommentDoc(serializers.Serializer):
    id = serializers.IntegerField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    body = serializers.CharField()
    author = ProfileDoc()


class CommentResponseDoc(serializers.Serializer):
    comment = CommentDoc()


class CommentsResponseDoc(serializers.Serializer):
    comments = CommentDoc(many=True)
