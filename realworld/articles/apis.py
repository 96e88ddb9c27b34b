from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realworld.articles.selectors import (
    ArticleFilters,
    article_feed,
    article_get,
    article_list,
    tag_list,
)
from realworld.articles.serializers import (
    ArticleCreateSerializer,
    ArticleResponseDoc,
    ArticlesResponseDoc,
    ArticleUpdateSerializer,
    TagsResponseDoc,
    article_json,
    articles_page_body,
    list_filters_from_query,
)
from realworld.articles.services import (
    article_create,
    article_delete,
    article_favorite,
    article_unfavorite,
    article_update,
)
from realworld.common.inputs import envelope
from realworld.common.pagination import page_from_query
from realworld.common.schema import PAGE_PARAMETERS, errors_for
from realworld.users.request_user import request_user, request_viewer

TAG = "Articles"


def _article_response(slug: str, request: Request, *, status_code: int = 200) -> Response:
    row = article_get(slug=slug, viewer=request_viewer(request))
    return Response({"article": article_json(row, with_body=True)}, status=status_code)


class ArticleListApi(APIView):
    permission_classes = (IsAuthenticatedOrReadOnly,)  # reads are public, writes signed in

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticles",
        parameters=[
            OpenApiParameter("tag", str, description="Filter by tag"),
            OpenApiParameter("author", str, description="Filter by author (username)"),
            OpenApiParameter("favorited", str, description="Filter by a user's favorites"),
            *PAGE_PARAMETERS,
        ],
        responses={200: ArticlesResponseDoc, **errors_for(401, 422)},
    )
    def get(self, request: Request) -> Response:
        rows, count = article_list(
            filters=ArticleFilters(**list_filters_from_query(request.query_params)),
            viewer=request_viewer(request),
            page=page_from_query(request.query_params),
        )
        return Response(articles_page_body(rows, count))

    @extend_schema(
        tags=[TAG],
        operation_id="CreateArticle",
        request=ArticleCreateSerializer,
        responses={201: ArticleResponseDoc, **errors_for(400, 401, 409, 413, 415, 422)},
    )
    def post(self, request: Request) -> Response:
        serializer = ArticleCreateSerializer(data=envelope(request.data, "article"))
        serializer.is_valid(raise_exception=True)
        article = article_create(author=request_user(request), **serializer.validated_data)
        return _article_response(article.slug, request, status_code=status.HTTP_201_CREATED)


class ArticleFeedApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticlesFeed",
        parameters=PAGE_PARAMETERS,
        responses={200: ArticlesResponseDoc, **errors_for(401, 422)},
    )
    def get(self, request: Request) -> Response:
        rows, count = article_feed(
            viewer=request_user(request), page=page_from_query(request.query_params)
        )
        return Response(articles_page_body(rows, count))


class ArticleDetailApi(APIView):
    permission_classes = (IsAuthenticatedOrReadOnly,)  # reads are public, writes signed in

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticle",
        responses={200: ArticleResponseDoc, **errors_for(401, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return _article_response(slug, request)

    @extend_schema(
        tags=[TAG],
        operation_id="UpdateArticle",
        request=ArticleUpdateSerializer,
        responses={200: ArticleResponseDoc, **errors_for(400, 401, 403, 404, 409, 413, 415, 422)},
    )
    def put(self, request: Request, slug: str) -> Response:
        serializer = ArticleUpdateSerializer(data=envelope(request.data, "article"))
        serializer.is_valid(raise_exception=True)
        article = article_update(
            slug=slug, user=request_user(request), data=serializer.validated_data
        )
        return _article_response(article.slug, request)

    @extend_schema(
        tags=[TAG],
        operation_id="DeleteArticle",
        responses={204: None, **errors_for(401, 403, 404)},
    )
    def delete(self, request: Request, slug: str) -> Response:
        article_delete(slug=slug, user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ArticleFavoriteApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=["Favorites"],
        operation_id="CreateArticleFavorite",
        request=None,
        responses={200: ArticleResponseDoc, **errors_for(401, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        article_favorite(slug=slug, user=request_user(request))
        return _article_response(slug, request)

    @extend_schema(
        tags=["Favorites"],
        operation_id="DeleteArticleFavorite",
        responses={200: ArticleResponseDoc, **errors_for(401, 404)},
    )
    def delete(self, request: Request, slug: str) -> Response:
        article_unfavorite(slug=slug, user=request_user(request))
        return _article_response(slug, request)


class TagListApi(APIView):
    @extend_schema(
        tags=["Tags"],
        operation_id="GetTags",
        responses={200: TagsResponseDoc, **errors_for(401)},
    )
    def get(self, request: Request) -> Response:
        return Response({"tags": tag_list()})
