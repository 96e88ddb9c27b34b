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
from realworld.common import health, views
from realworld.profiles.apis import ProfileDetailApi, ProfileFollowApi
from realworld.users.apis import CurrentUserApi, UserLoginApi, UserRegisterApi

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
    # Probes; HealthCheckMiddleware answers these paths before host validation.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/", include(api)),
    # A newcomer who opens /api lands on the documentation.
    path("api", RedirectView.as_view(url="/api/docs")),
    path("api/", RedirectView.as_view(url="/api/docs")),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script from a URL, not inline: pages keep a strict CSP.
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # Anything else is a JSON 404, in DEBUG too (never Django's HTML page).
    re_path(r"^", views.not_found),
]

handler400 = "realworld.common.views.bad_request"
handler403 = "realworld.common.views.permission_denied"
handler404 = "realworld.common.views.not_found"
handler500 = "realworld.common.views.server_error"
