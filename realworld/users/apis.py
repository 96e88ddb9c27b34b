from typing import Any

import orjson
from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from realworld.common import messages
from realworld.common.client import client_address
from realworld.common.inputs import envelope
from realworld.common.plain_get import PlainGetApi
from realworld.common.schema import TAKEN_USERNAME, errors_for
from realworld.users import limits
from realworld.users.request_user import request_user, request_viewer
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


def presented_token(request: Request | HttpRequest) -> str:
    """The token the request was authenticated with, as the client sent it (not re-encoded)."""
    token = request.auth  # type: ignore[union-attr]  # set by TokenAuthentication
    return str(token.token) if isinstance(token, AccessToken) else ""


class NoStore(APIView):
    """Responses that carry a token: no cache, shared or private, may keep them."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


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


def _given_email(data: Any) -> str:
    """The email in a `{"user": {...}}` body, before validation (the limits key on it)."""
    user = data.get("user") if isinstance(data, dict) else None
    email = user.get("email") if isinstance(user, dict) else None
    return email if isinstance(email, str) else ""


class UserRegisterApi(NoStore):
    # Registration and login ignore the Authorization header: they are how a client replaces
    # a token that no longer works.
    authentication_classes = ()

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
        email = _given_email(request.data)  # a malformed body is a 400 here, before counting
        limits.registration_allowed(email=email, address=client_address(request))
        data = _validated(RegisterSerializer(data=envelope(request.data, "user")))
        user = user_register(**data)
        return Response(user_body(user, user_token(user=user)), status=status.HTTP_201_CREATED)


class UserLoginApi(NoStore):
    authentication_classes = ()

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
        email, address = _given_email(request.data), client_address(request)
        known = limits.login_allowed(email=email, address=address)
        serializer = LoginSerializer(data=envelope(request.data, "user"))
        serializer.is_valid(raise_exception=True)
        user = user_authenticate(**serializer.validated_data)  # a failure keeps its slot
        limits.login_succeeded(email=email, address=address, known=known)
        return Response(user_body(user, user_token(user=user)))


class CurrentUserApi(NoStore, PlainGetApi):
    permission_classes = (IsAuthenticated,)

    def plain_get(self, request: HttpRequest) -> bytes | None:
        viewer = request_viewer(request)  # None: DRF answers the 401
        return orjson.dumps(user_body(viewer, presented_token(request))) if viewer else None

    @extend_schema(
        tags=[TAG],
        operation_id="GetCurrentUser",
        responses={200: UserResponseDoc, **errors_for(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(user_body(request_user(request), presented_token(request)))

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
        token = request.auth if isinstance(request.auth, AccessToken) else None
        user = user_update(user=user, data=data, token=token)
        return Response(user_body(user, user_token(user=user, replacing=token)))
