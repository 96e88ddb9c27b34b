from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realworld.common.schema import ERROR, ERRORS_ANONYMOUS, ERRORS_SIGNED_IN
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
from realworld.users.services import user_authenticate, user_register, user_token, user_update

TAG = "User and Authentication"


class UserRegisterApi(APIView):
    authentication_classes = ()
    throttle_classes = (RegisterIpThrottle, RegisterAccountThrottle)

    @extend_schema(
        tags=[TAG],
        operation_id="CreateUser",
        request=RegisterSerializer,
        responses={201: UserResponseDoc, **ERRORS_ANONYMOUS, 429: ERROR},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data["user"])
        return Response(user_body(user, user_token(user=user)), status=status.HTTP_201_CREATED)


class UserLoginApi(APIView):
    authentication_classes = ()
    throttle_classes = (LoginIpThrottle, LoginAccountThrottle)

    @extend_schema(
        tags=[TAG],
        operation_id="Login",
        request=LoginSerializer,
        responses={200: UserResponseDoc, **ERRORS_ANONYMOUS, 429: ERROR},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_authenticate(**serializer.validated_data["user"])
        return Response(user_body(user, user_token(user=user)))


class CurrentUserApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=[TAG],
        operation_id="GetCurrentUser",
        responses={200: UserResponseDoc, **ERRORS_SIGNED_IN},
    )
    def get(self, request: Request) -> Response:
        return Response(user_body(request_user(request), str(request.auth)))

    @extend_schema(
        tags=[TAG],
        operation_id="UpdateCurrentUser",
        request=UserUpdateSerializer,
        responses={200: UserResponseDoc, **ERRORS_SIGNED_IN},
    )
    def put(self, request: Request) -> Response:
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_update(user=request_user(request), data=serializer.validated_data["user"])
        return Response(user_body(user, user_token(user=user)))
