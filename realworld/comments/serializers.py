from typing import Any

from rest_framework import serializers

from realworld.common.timestamps import iso_timestamp
from realworld.profiles.serializers import ProfileDoc


class CommentCreateSerializer(serializers.Serializer):
    class NewComment(serializers.Serializer):
        body = serializers.CharField(
            max_length=20_000,
            trim_whitespace=False,
            error_messages={"blank": "can't be blank", "required": "can't be blank"},
        )

        def validate_body(self, value: str) -> str:
            if not value.strip():
                raise serializers.ValidationError("can't be blank")
            return value

    comment = NewComment()


def comment_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "createdAt": iso_timestamp(row["created_at"]),
        "updatedAt": iso_timestamp(row["updated_at"]),
        "body": row["body"],
        "author": {
            "username": row["author__username"],
            "bio": row["author__bio"],
            "image": row["author__image"],
            "following": row["author_following"],
        },
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
