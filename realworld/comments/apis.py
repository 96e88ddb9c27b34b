import orjson
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realworld.comments.selectors import comment_get, comment_list
from realworld.comments.serializers import (
    CommentCreateSerializer,
    CommentResponseDoc,
    CommentsResponseDoc,
    comment_json,
)
from realworld.comments.services import comment_create, comment_delete
from realworld.common import read_cache
from realworld.common.inputs import envelope
from realworld.common.plain_get import PlainGetApi, json_response
from realworld.common.schema import errors_for
from realworld.users.request_user import request_user, request_viewer
from realworld.users.selectors import viewer_id

TAG = "Comments"


def _comments_bytes(slug: str, request: Request | HttpRequest) -> bytes:
    viewer = request_viewer(request)

    def render() -> bytes:
        rows = comment_list(slug=slug, viewer=viewer)
        return orjson.dumps({"comments": [comment_json(row) for row in rows]})

    return read_cache.shared_if_anonymous(viewer_id(viewer), "comments.json", (slug,), render)


class CommentListApi(PlainGetApi):
    permission_classes = (IsAuthenticatedOrReadOnly,)  # reads are public, writes signed in

    def plain_get(self, request: HttpRequest, slug: str) -> bytes | None:
        return _comments_bytes(slug, request)  # an unknown slug raises NotFound

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticleComments",
        responses={200: CommentsResponseDoc, **errors_for(401, 404)},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        return json_response(_comments_bytes(slug, request))

    @extend_schema(
        tags=[TAG],
        operation_id="CreateArticleComment",
        request=CommentCreateSerializer,
        responses={201: CommentResponseDoc, **errors_for(400, 401, 404, 413, 415, 422)},
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = CommentCreateSerializer(data=envelope(request.data, "comment"))
        serializer.is_valid(raise_exception=True)
        comment = comment_create(
            slug=slug, author=request_user(request), body=serializer.validated_data["body"]
        )
        row = comment_get(comment_id=comment.pk, viewer=request_viewer(request))
        return Response({"comment": comment_json(row)}, status=status.HTTP_201_CREATED)


class CommentDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=[TAG],
        operation_id="DeleteArticleComment",
        responses={204: None, **errors_for(401, 403, 404, resource="comment")},
    )
    def delete(self, request: Request, slug: str, comment_id: int) -> Response:
        comment_delete(slug=slug, comment_id=comment_id, user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
