from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realworld.common import messages
from realworld.common.inputs import envelope
from realworld.common.schema import TAKEN_USERNAME, errors_for
from realworld.common.throttling import (
    LoginAccountThrottle,
    LoginIpThrottle,
    RegisterAccountThrottle,
    RegisterIpThrottle,
)
from realworld.users.request_user import request_user
from realworld.users.serializers import (
    LoginSerializer,
    RegisterSerializer,
    UserResponseDoc,
    UserUpdateSerializer,
    user_body,
)
from realworld.users.services import (
    user_authenticate,
    user_names_taken,
    user_register,
    user_update,
)
from realworld.users.tokens import user_token

TAG = "User and Authentication"


def _validated(serializer: serializers.Serializer, *, exclude_id: int | None = None) -> Any:
    """The validated fields, or one 422 naming every bad field, taken names included.

    Without this a client would fix a short password only to learn on the next try that the
    email is taken. Names that are taken while everything else is valid are the service's
    409 instead.
    """
    if serializer.is_valid():
        return serializer.validated_data
    given = serializer.initial_data
    well_formed = {
        name: given[name].strip()
        for name in ("email", "username")
        if name not in serializer.errors and isinstance(given.get(name), str)
    }
    taken = user_names_taken(
        email=well_formed.get("email"), username=well_formed.get("username"), exclude_id=exclude_id
    )
    raise serializers.ValidationError({**serializer.errors, **taken})


class UserRegisterApi(APIView):
    # Registration and login ignore the Authorization header: they are how a client replaces
    # a token that no longer works.
    authentication_classes = ()
    throttle_classes = (RegisterIpThrottle, RegisterAccountThrottle)

    @extend_schema(
        tags=[TAG],
        operation_id="CreateUser",
        request=RegisterSerializer,
        responses={
            201: UserResponseDoc,
            **errors_for(400, 409, 413, 415, 422, 429, conflict=TAKEN_USERNAME),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = _validated(RegisterSerializer(data=envelope(request.data, "user")))
        user = user_register(**data)
        return Response(user_body(user, user_token(user=user)), status=status.HTTP_201_CREATED)


class UserLoginApi(APIView):
    authentication_classes = ()
    throttle_classes = (LoginIpThrottle, LoginAccountThrottle)

    @extend_schema(
        tags=[TAG],
        operation_id="Login",
        request=LoginSerializer,
        responses={
            200: UserResponseDoc,
            **errors_for(
                400,
                401,
                413,
                415,
                422,
                429,
                unauthorized={"credentials": [messages.CREDENTIALS_INVALID]},
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=envelope(request.data, "user"))
        serializer.is_valid(raise_exception=True)
        user = user_authenticate(**serializer.validated_data)
        return Response(user_body(user, user_token(user=user)))


class CurrentUserApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=[TAG],
        operation_id="GetCurrentUser",
        responses={200: UserResponseDoc, **errors_for(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(user_body(request_user(request), str(request.auth)))

    @extend_schema(
        tags=[TAG],
        operation_id="UpdateCurrentUser",
        request=UserUpdateSerializer,
        responses={
            200: UserResponseDoc,
            **errors_for(400, 401, 409, 413, 415, 422, conflict=TAKEN_USERNAME),
        },
    )
    def put(self, request: Request) -> Response:
        user = request_user(request)
        data = _validated(
            UserUpdateSerializer(data=envelope(request.data, "user")), exclude_id=user.pk
        )
        user = user_update(user=user, data=data)
        return Response(user_body(user, user_token(user=user)))
