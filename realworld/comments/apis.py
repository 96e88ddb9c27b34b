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
from realworld.common.schema import ERRORS_ANONYMOUS, ERRORS_SIGNED_IN
from realworld.users.request_user import request_user, request_viewer

TAG = "Comments"


class CommentListApi(APIView):
    permission_classes = (IsAuthenticatedOrReadOnly,)  # reads are public, writes signed in

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticleComments",
        responses={200: CommentsResponseDoc, **ERRORS_ANONYMOUS},
    )
    def get(self, request: Request, slug: str) -> Response:
        rows = comment_list(slug=slug, viewer=request_viewer(request))
        return Response({"comments": [comment_json(row) for row in rows]})

    @extend_schema(
        tags=[TAG],
        operation_id="CreateArticleComment",
        request=CommentCreateSerializer,
        responses={200: CommentResponseDoc, **ERRORS_SIGNED_IN},
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_create(
            slug=slug,
            author=request_user(request),
            body=serializer.validated_data["comment"]["body"],
        )
        row = comment_get(comment_id=comment.pk, viewer=request_viewer(request))
        # The spec answers 200 here (not 201): its OpenAPI file wins over habit.
        return Response({"comment": comment_json(row)})


class CommentDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=[TAG],
        operation_id="DeleteArticleComment",
        responses={204: None, **ERRORS_SIGNED_IN},
    )
    def delete(self, request: Request, slug: str, comment_id: int) -> Response:
        comment_delete(slug=slug, comment_id=comment_id, user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
