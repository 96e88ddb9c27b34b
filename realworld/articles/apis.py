import orjson
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realworld.articles.selectors import (
    ArticleNarrow,
    article_feed,
    article_get,
    article_list,
    tag_list,
)
from realworld.articles.serializers import (
    ArticleCreateSerializer,
    ArticleListQuerySerializer,
    ArticleResponseDoc,
    ArticlesResponseDoc,
    ArticleUpdateSerializer,
    TagsResponseDoc,
    article_json,
    articles_page_body,
    list_filters_from_query,
    plain_list_filters,
)
from realworld.articles.services import (
    article_create,
    article_delete,
    article_favorite,
    article_unfavorite,
    article_update,
)
from realworld.common import read_cache
from realworld.common.inputs import envelope
from realworld.common.page_query import page_from_query, plain_page
from realworld.common.paging import Page
from realworld.common.plain_get import PlainGetApi, json_response
from realworld.common.schema import PAGE_PARAMETERS, errors_for
from realworld.users.models import User
from realworld.users.request_user import request_user, request_viewer
from realworld.users.selectors import viewer_id

TAG = "Articles"

# Response bodies as JSON bytes. What anonymous readers get is the same for all of them: its
# bytes are cached per content version (common/read_cache.py), so a repeated read
# costs one query and no rendering.


def _articles_page_bytes(filters: ArticleNarrow, page: Page, viewer: User | None) -> bytes:
    def render() -> bytes:
        rows, count = article_list(filters=filters, viewer=viewer, page=page)
        return orjson.dumps(articles_page_body(rows, count))

    return read_cache.shared_if_anonymous(viewer_id(viewer), "list.json", (filters, page), render)


def _article_bytes(slug: str, viewer: User | None) -> bytes:
    def render() -> bytes:
        row = article_get(slug=slug, viewer=viewer)
        return orjson.dumps({"article": article_json(row, with_body=True)})

    return read_cache.shared_if_anonymous(viewer_id(viewer), "article.json", (slug,), render)


def _tags_bytes() -> bytes:
    return read_cache.cached_for_everyone(
        "tags.json", (), lambda: orjson.dumps({"tags": tag_list()})
    )


def _article_response(slug: str, request: Request, *, status_code: int = 200) -> HttpResponse:
    return json_response(_article_bytes(slug, request_viewer(request)), status=status_code)


class ArticleListApi(PlainGetApi):
    permission_classes = (IsAuthenticatedOrReadOnly,)  # reads are public, writes signed in

    def plain_get(self, request: HttpRequest) -> bytes | None:
        filters, page = plain_list_filters(request.GET), plain_page(request.GET)
        if filters is None or page is None:
            return None
        return _articles_page_bytes(ArticleNarrow(**filters), page, request_viewer(request))

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticles",
        parameters=[ArticleListQuerySerializer, *PAGE_PARAMETERS],
        responses={200: ArticlesResponseDoc, **errors_for(401, 422)},
    )
    def get(self, request: Request) -> HttpResponse:
        filters = ArticleNarrow(**list_filters_from_query(request.query_params))
        page = page_from_query(request.query_params)
        return json_response(_articles_page_bytes(filters, page, request_viewer(request)))

    @extend_schema(
        tags=[TAG],
        operation_id="CreateArticle",
        request=ArticleCreateSerializer,
        responses={201: ArticleResponseDoc, **errors_for(400, 401, 409, 413, 415, 422)},
    )
    def post(self, request: Request) -> HttpResponse:
        serializer = ArticleCreateSerializer(data=envelope(request.data, "article"))
        serializer.is_valid(raise_exception=True)
        article = article_create(author=request_user(request), **serializer.validated_data)
        return _article_response(article.slug, request, status_code=status.HTTP_201_CREATED)


def _feed_bytes(viewer: User, page: Page) -> bytes:
    return orjson.dumps(articles_page_body(*article_feed(viewer=viewer, page=page)))


class ArticleFeedApi(PlainGetApi):
    permission_classes = (IsAuthenticated,)

    def plain_get(self, request: HttpRequest) -> bytes | None:
        viewer, page = request_viewer(request), plain_page(request.GET)
        return _feed_bytes(viewer, page) if viewer and page else None  # else a 401 or 422

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticlesFeed",
        parameters=PAGE_PARAMETERS,
        responses={200: ArticlesResponseDoc, **errors_for(401, 422)},
    )
    def get(self, request: Request) -> HttpResponse:
        page = page_from_query(request.query_params)
        return json_response(_feed_bytes(request_user(request), page))


class ArticleDetailApi(PlainGetApi):
    permission_classes = (IsAuthenticatedOrReadOnly,)  # reads are public, writes signed in

    def plain_get(self, request: HttpRequest, slug: str) -> bytes | None:
        return _article_bytes(slug, request_viewer(request))  # an unknown slug raises NotFound

    @extend_schema(
        tags=[TAG],
        operation_id="GetArticle",
        responses={200: ArticleResponseDoc, **errors_for(401, 404)},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        return _article_response(slug, request)

    @extend_schema(
        tags=[TAG],
        operation_id="UpdateArticle",
        request=ArticleUpdateSerializer,
        responses={200: ArticleResponseDoc, **errors_for(400, 401, 403, 404, 409, 413, 415, 422)},
    )
    def put(self, request: Request, slug: str) -> HttpResponse:
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
    def post(self, request: Request, slug: str) -> HttpResponse:
        article_favorite(slug=slug, user=request_user(request))
        return _article_response(slug, request)

    @extend_schema(
        tags=["Favorites"],
        operation_id="DeleteArticleFavorite",
        responses={200: ArticleResponseDoc, **errors_for(401, 404)},
    )
    def delete(self, request: Request, slug: str) -> HttpResponse:
        article_unfavorite(slug=slug, user=request_user(request))
        return _article_response(slug, request)


class TagListApi(PlainGetApi):
    def plain_get(self, request: HttpRequest) -> bytes | None:
        return _tags_bytes()

    @extend_schema(
        tags=["Tags"],
        operation_id="GetTags",
        responses={200: TagsResponseDoc, **errors_for(401)},
    )
    def get(self, request: Request) -> HttpResponse:
        return json_response(_tags_bytes())
