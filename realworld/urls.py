from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from realworld.articles.apis import (
    ArticleDetailApi,
    ArticleFavoriteApi,
    ArticleFeedApi,
    ArticleListApi,
    TagListApi,
)
from realworld.comments.apis import CommentDetailApi, CommentListApi
from realworld.common import views
from realworld.profiles.apis import ProfileDetailApi, ProfileFollowApi
from realworld.users.apis import CurrentUserApi, UserLoginApi, UserRegisterApi
from realworld.web import errors as web_errors

api = [
    path("users", UserRegisterApi.as_view()),
    path("users/login", UserLoginApi.as_view()),
    path("user", CurrentUserApi.as_view()),
    path("profiles/<str:username>", ProfileDetailApi.as_view()),
    path("profiles/<str:username>/follow", ProfileFollowApi.as_view()),
    path("articles", ArticleListApi.as_view()),
    path("articles/feed", ArticleFeedApi.as_view()),
    path("articles/<str:slug>", ArticleDetailApi.as_view()),
    path("articles/<str:slug>/favorite", ArticleFavoriteApi.as_view()),
    path("articles/<str:slug>/comments", CommentListApi.as_view()),
    path("articles/<str:slug>/comments/<int:comment_id>", CommentDetailApi.as_view()),
    path("tags", TagListApi.as_view()),
]

urlpatterns = [
    # /healthz and /readyz never get here: HealthCheckMiddleware (realworld/common/middleware.py)
    # answers them first, before host validation.
    path("api/", include(api)),
    # A newcomer who opens /api lands on the documentation.
    path("api", RedirectView.as_view(url="/api/docs")),
    path("api/", RedirectView.as_view(url="/api/docs")),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script from a URL, not inline: pages keep a strict CSP.
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # Anything else under /api is a JSON 404, in DEBUG too (never Django's HTML page).
    re_path(r"^api/", views.not_found),
    # The Conduit web app: every other path.
    path("", include("realworld.web.urls")),
    re_path(r"^", web_errors.not_found),
]

# Failures outside a view's own handling: JSON under /api, a page elsewhere.
handler400 = "realworld.handlers.bad_request"
handler403 = "realworld.handlers.permission_denied"
handler404 = "realworld.handlers.not_found"
handler500 = "realworld.handlers.server_error"
