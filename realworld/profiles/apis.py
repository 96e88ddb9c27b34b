from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realworld.common.schema import errors_for
from realworld.profiles.selectors import profile_get
from realworld.profiles.serializers import ProfileResponseDoc
from realworld.profiles.services import profile_follow, profile_unfollow
from realworld.users.request_user import request_user, request_viewer

TAG = "Profile"


class ProfileDetailApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="GetProfileByUsername",
        responses={200: ProfileResponseDoc, **errors_for(401, 404, resource="profile")},
    )
    def get(self, request: Request, username: str) -> Response:
        return Response({"profile": profile_get(username=username, viewer=request_viewer(request))})


class ProfileFollowApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=[TAG],
        operation_id="FollowUserByUsername",
        request=None,
        responses={200: ProfileResponseDoc, **errors_for(401, 404, 422, resource="profile")},
    )
    def post(self, request: Request, username: str) -> Response:
        profile_follow(follower=request_user(request), username=username)
        return Response({"profile": profile_get(username=username, viewer=request_viewer(request))})

    @extend_schema(
        tags=[TAG],
        operation_id="UnfollowUserByUsername",
        responses={200: ProfileResponseDoc, **errors_for(401, 404, resource="profile")},
    )
    def delete(self, request: Request, username: str) -> Response:
        profile_unfollow(follower=request_user(request), username=username)
        return Response({"profile": profile_get(username=username, viewer=request_viewer(request))})
