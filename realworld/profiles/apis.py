import orjson
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from realworld.common import read_cache
from realworld.common.plain_get import PlainGetApi, json_response
from realworld.common.schema import errors_for
from realworld.profiles.selectors import profile_get
from realworld.profiles.serializers import ProfileResponseDoc
from realworld.profiles.services import profile_follow, profile_unfollow
from realworld.users.request_user import request_user, request_viewer
from realworld.users.selectors import viewer_id

TAG = "Profile"


def _profile_response(username: str, request: Request | HttpRequest) -> HttpResponse:
    return json_response(_profile_bytes(username, request))


def _profile_bytes(username: str, request: Request | HttpRequest) -> bytes:
    viewer = request_viewer(request)

    def render() -> bytes:
        return orjson.dumps({"profile": profile_get(username=username, viewer=viewer)})

    return read_cache.shared_if_anonymous(viewer_id(viewer), "profile.json", (username,), render)


class ProfileDetailApi(PlainGetApi):
    def plain_get(self, request: HttpRequest, username: str) -> bytes | None:
        return _profile_bytes(username, request)  # an unknown username raises NotFound

    @extend_schema(
        tags=[TAG],
        operation_id="GetProfileByUsername",
        responses={200: ProfileResponseDoc, **errors_for(401, 404, resource="profile")},
    )
    def get(self, request: Request, username: str) -> HttpResponse:
        return _profile_response(username, request)


class ProfileFollowApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=[TAG],
        operation_id="FollowUserByUsername",
        request=None,
        responses={200: ProfileResponseDoc, **errors_for(401, 404, 422, resource="profile")},
    )
    def post(self, request: Request, username: str) -> HttpResponse:
        profile_follow(follower=request_user(request), username=username)
        return _profile_response(username, request)

    @extend_schema(
        tags=[TAG],
        operation_id="UnfollowUserByUsername",
        responses={200: ProfileResponseDoc, **errors_for(401, 404, resource="profile")},
    )
    def delete(self, request: Request, username: str) -> HttpResponse:
        profile_unfollow(follower=request_user(request), username=username)
        return _profile_response(username, request)
