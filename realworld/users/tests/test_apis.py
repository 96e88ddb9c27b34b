import base64
import json
import time
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from realworld.users.models import User
from realworld.users.tokens import VERSION_CLAIM, user_token
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def register(api_client, **fields):
    user = {"username": "jake", "email": "jake@jake.jake", "password": "jakejake1", **fields}
    return api_client.post("/api/users", {"user": user}, format="json")


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TestRegister:
    def test_returns_201_with_the_user_and_a_working_token(self, api_client):
        response = register(api_client)

        assert response.status_code == 201
        body = response.json()["user"]
        assert body == {
            "email": "jake@jake.jake",
            "token": body["token"],
            "username": "jake",
            "bio": None,
            "image": None,
        }
        me = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {body['token']}")
        assert me.status_code == 200
        assert me.json()["user"]["username"] == "jake"

    def test_stores_an_argon2_hash_not_the_password(self, api_client, settings):
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
        register(api_client)

        stored = User.objects.get(username="jake").password
        assert stored.startswith("argon2$")
        assert check_password("jakejake1", stored)

    def test_email_is_unique_whatever_its_case(self, api_client):
        register(api_client)

        response = register(api_client, username="other", email="JAKE@Jake.jake")

        assert response.status_code == 409  # API spec 2.0.0
        assert response.json() == {"errors": {"email": ["has already been taken"]}}

    def test_username_is_unique_whatever_its_case(self, api_client):
        register(api_client)

        response = register(api_client, username="JAKE", email="other@jake.jake")

        assert response.status_code == 409
        assert response.json() == {"errors": {"username": ["has already been taken"]}}

    def test_names_every_missing_field(self, api_client):
        response = api_client.post("/api/users", {"user": {}}, format="json")

        assert response.status_code == 422
        assert response.json()["errors"] == {
            "username": ["can't be blank"],
            "email": ["can't be blank"],
            "password": ["can't be blank"],
        }

    def test_missing_envelope_is_a_422(self, api_client):
        response = api_client.post("/api/users", {"username": "jake"}, format="json")

        assert response.status_code == 422
        assert "user" in response.json()["errors"]

    @pytest.mark.parametrize(
        ("fields", "errors"),
        [
            ({"email": "not-an-email"}, {"email": ["is invalid"]}),
            ({"password": "short7c"}, {"password": ["is too short (minimum is 8 characters)"]}),
            ({"username": "a/b"}, {"username": ["can't contain '/' or control characters"]}),
            ({"username": "x" * 65}, {"username": ["is too long (maximum is 64 characters)"]}),
            ({"username": ["jake"]}, {"username": ["is invalid"]}),
            ({"password": None}, {"password": ["can't be blank"]}),
        ],
    )
    def test_rejects_invalid_values_in_the_spec_wording(self, api_client, fields, errors):
        response = register(api_client, **fields)

        assert response.status_code == 422
        assert response.json() == {"errors": errors}
        assert not User.objects.exists()

    def test_reports_every_bad_field_at_once_taken_names_included(self, api_client):
        register(api_client)

        response = register(api_client, username="other", email="JAKE@jake.jake", password="short")

        assert response.status_code == 422
        assert response.json() == {
            "errors": {
                "password": ["is too short (minimum is 8 characters)"],
                "email": ["has already been taken"],
            }
        }

    def test_a_taken_name_beside_a_malformed_one_reports_both(self, api_client):
        register(api_client)

        response = register(api_client, username="jake", email="not-an-email")

        assert response.status_code == 422
        assert response.json() == {
            "errors": {"email": ["is invalid"], "username": ["has already been taken"]}
        }

    @pytest.mark.parametrize("body", [[], "text", 3])
    def test_a_body_that_is_not_an_object_is_a_422(self, api_client, body):
        response = api_client.post("/api/users", body, format="json")

        assert response.status_code == 422
        assert response.json() == {"errors": {"body": ["must be an object"]}}

    def test_an_envelope_that_is_not_an_object_is_a_422(self, api_client):
        response = api_client.post("/api/users", {"user": "jake"}, format="json")

        assert response.status_code == 422
        assert response.json() == {"errors": {"user": ["must be an object"]}}

    def test_keeps_unicode_and_metacharacters_intact(self, api_client):
        name = "Jöhn 李 '; DROP TABLE users;-- <script>"
        response = register(api_client, username=name)

        assert response.status_code == 201
        assert response.json()["user"]["username"] == name
        assert api_client.get(f"/api/profiles/{name}").json()["profile"]["username"] == name


class TestLogin:
    def test_returns_the_user_with_a_token(self, api_client, user):
        response = api_client.post(
            "/api/users/login",
            {"user": {"email": user.email.upper(), "password": PASSWORD}},
            format="json",
        )

        assert response.status_code == 200
        token = response.json()["user"]["token"]
        assert AccessToken(token)["user_id"] == str(user.pk)

    @pytest.mark.parametrize(
        ("email", "password"), [("user0@example.com", "wrong-password"), ("nobody@x.io", PASSWORD)]
    )
    def test_bad_credentials_are_a_401(self, api_client, email, password):
        UserFactory(username="user0")
        response = api_client.post(
            "/api/users/login", {"user": {"email": email, "password": password}}, format="json"
        )

        assert response.status_code == 401
        assert response.json() == {"errors": {"credentials": ["invalid"]}}

    def test_missing_fields_are_a_422(self, api_client):
        response = api_client.post("/api/users/login", {"user": {"email": ""}}, format="json")

        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"email", "password"}

    def test_a_stale_token_does_not_block_login(self, api_client, user):
        response = api_client.post(
            "/api/users/login",
            {"user": {"email": user.email, "password": PASSWORD}},
            format="json",
            HTTP_AUTHORIZATION="Token not-a-jwt",
        )

        assert response.status_code == 200


INVALID_TOKEN = {"errors": {"token": ["is invalid"]}}


class TestAuthentication:
    def test_current_user_requires_a_token(self, api_client):
        response = api_client.get("/api/user")

        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
        assert response.json() == {"errors": {"token": ["is missing"]}}

    def _claims(self, user: User, **overrides) -> dict:
        token = AccessToken.for_user(user)
        return {**token.payload, **overrides}

    def test_rejects_a_token_with_the_bearer_prefix(self, api_client, user):
        token = AccessToken.for_user(user)
        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Bearer {token}")

        assert response.status_code == 401
        assert response.json() == {
            "errors": {"token": ["must be sent as 'Authorization: Token <jwt>'"]}
        }

    def test_rejects_a_tampered_token(self, api_client, user):
        header, _payload, signature = str(AccessToken.for_user(user)).split(".")
        other = UserFactory()
        forged = b64(self._claims(user, user_id=str(other.pk)))

        response = api_client.get(
            "/api/user", HTTP_AUTHORIZATION=f"Token {header}.{forged}.{signature}"
        )

        assert response.status_code == 401
        assert response.json() == INVALID_TOKEN

    def test_rejects_an_expired_token(self, api_client, user):
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=-timedelta(seconds=1))

        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {token}")

        assert response.status_code == 401
        assert response.json() == {"errors": {"token": ["has expired"]}}

    def test_rejects_a_token_that_expired_after_it_was_accepted(self, api_client, user):
        token = AccessToken.for_user(user)
        token[VERSION_CLAIM] = user.token_version
        token.set_exp(lifetime=timedelta(seconds=1))
        header = f"Token {token}"
        assert api_client.get("/api/user", HTTP_AUTHORIZATION=header).status_code == 200
        time.sleep(1.1)

        response = api_client.get("/api/user", HTTP_AUTHORIZATION=header)

        assert response.status_code == 401
        assert response.json() == {"errors": {"token": ["has expired"]}}

    def test_rejects_alg_none(self, api_client, user):
        unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(self._claims(user))}."

        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {unsigned}")

        assert response.status_code == 401
        assert response.json() == INVALID_TOKEN

    @pytest.mark.filterwarnings("ignore:The HMAC key")
    def test_rejects_another_algorithm_with_the_right_key(self, api_client, user):
        token = jwt.encode(self._claims(user), settings.SECRET_KEY, algorithm="HS512")

        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {token}")

        assert response.status_code == 401
        assert response.json() == INVALID_TOKEN

    @pytest.mark.parametrize(
        "header", ["Token", "Token a.b", "Token a b", "Tokenabc", "Token é.é.é"]
    )
    def test_rejects_malformed_headers(self, api_client, user, header):
        response = api_client.get("/api/user", HTTP_AUTHORIZATION=header)

        assert response.status_code == 401
        assert list(response.json()["errors"]) == ["token"]

    @pytest.mark.parametrize("user_id", ["abc", "-1", "1.5", str(2**64), "", None])
    def test_a_signed_token_with_a_malformed_user_id_is_invalid(self, api_client, user, user_id):
        claims = self._claims(user, user_id=user_id)
        token = jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")

        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {token}")

        assert response.status_code == 401
        assert response.json() == INVALID_TOKEN

    def test_a_token_of_a_deleted_user_is_invalid(self, api_client, user):
        token = AccessToken.for_user(user)
        user.delete()

        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {token}")

        assert response.status_code == 401
        assert response.json() == INVALID_TOKEN

    @pytest.mark.parametrize(
        "path",
        [
            "/api/tags",
            "/api/articles",
            "/api/articles/some-slug",
            "/api/articles/some-slug/comments",
            "/api/profiles/someone",
            "/api/user",
            "/api/articles/feed",
        ],
    )
    @pytest.mark.parametrize("header", ["Token a.b.c", "Bearer a.b.c", "Basic dTpw"])
    def test_every_endpoint_that_reads_tokens_rejects_a_bad_one(self, api_client, path, header):
        # A public read answers 401 too: a client with a broken token must learn it, not be
        # served silently as anonymous (docs/api.md "Authentication").
        response = api_client.get(path, HTTP_AUTHORIZATION=header)

        assert response.status_code == 401
        assert list(response.json()["errors"]) == ["token"]
        assert response["WWW-Authenticate"] == 'Token realm="api"'


class TestCurrentUser:
    def test_returns_the_signed_in_user(self, auth_client, user):
        response = auth_client.get("/api/user")

        assert response.status_code == 200
        assert response.json()["user"]["email"] == user.email

    def test_updates_the_given_fields_only(self, auth_client, user):
        response = auth_client.put(
            "/api/user",
            {"user": {"bio": "I like to skateboard", "image": "https://i.stack.imgur.com/x.jpg"}},
            format="json",
        )

        assert response.status_code == 200
        body = response.json()["user"]
        assert body["bio"] == "I like to skateboard"
        assert body["image"] == "https://i.stack.imgur.com/x.jpg"
        assert body["username"] == user.username
        user.refresh_from_db()
        assert user.bio == "I like to skateboard"

    def test_clears_bio_and_image_with_null(self, auth_client, user):
        user.bio, user.image = "bio", "https://x.io/a.png"
        user.save()

        response = auth_client.put("/api/user", {"user": {"bio": None, "image": ""}}, format="json")

        assert response.json()["user"]["bio"] is None
        assert response.json()["user"]["image"] is None

    def test_changes_the_password(self, auth_client, api_client, user):
        auth_client.put("/api/user", {"user": {"password": "a-new-password"}}, format="json")

        login = api_client.post(
            "/api/users/login",
            {"user": {"email": user.email, "password": "a-new-password"}},
            format="json",
        )
        assert login.status_code == 200

    def test_rejects_an_email_in_use(self, auth_client):
        UserFactory(email="taken@example.com")

        response = auth_client.put(
            "/api/user", {"user": {"email": "TAKEN@example.com"}}, format="json"
        )

        assert response.status_code == 409
        assert response.json() == {"errors": {"email": ["has already been taken"]}}

    def test_keeping_ones_own_email_is_fine(self, auth_client, user):
        response = auth_client.put("/api/user", {"user": {"email": user.email}}, format="json")

        assert response.status_code == 200

    def test_rejects_an_image_that_is_not_a_url(self, auth_client):
        response = auth_client.put(
            "/api/user", {"user": {"image": "javascript:alert(1)"}}, format="json"
        )

        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["image"]

    def test_requires_a_token(self, api_client):
        assert api_client.put("/api/user", {"user": {"bio": "x"}}, format="json").status_code == 401


class TestRevocation:
    """A password or email change ends every token issued before it, but the one it was made
    with (like the web session that changes its password; the official suite relies on it)."""

    @pytest.mark.parametrize(
        "change", [{"password": "a-new-password"}, {"email": "new@example.com"}]
    )
    def test_a_credential_change_revokes_older_tokens(self, api_client, user, change):
        stolen = user_token(user=user)  # another sign-in (or a copy an attacker holds)
        current = user_token(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {current}")

        response = api_client.put("/api/user", {"user": change}, format="json")
        fresh = response.json()["user"]["token"]

        assert response.status_code == 200
        refused = APIClient().get("/api/user", HTTP_AUTHORIZATION=f"Token {stolen}")
        assert refused.status_code == 401
        assert refused.json() == {
            "errors": {"token": ["has been revoked (the password or email changed)"]}
        }
        for token in (current, fresh):
            kept = APIClient().get("/api/user", HTTP_AUTHORIZATION=f"Token {token}")
            assert kept.status_code == 200

    def test_a_password_change_in_the_web_app_revokes_every_token(self, api_client, user):
        token = user_token(user=user)
        browser = Client()
        browser.force_login(user)

        browser.post(
            "/settings", {"username": user.username, "email": user.email, "password": "new-pass-1"}
        )

        assert api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401

    def test_other_changes_keep_tokens(self, api_client, user):
        old = user_token(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")

        api_client.put(
            "/api/user", {"user": {"bio": "new bio", "username": "renamed"}}, format="json"
        )

        assert api_client.get("/api/user").status_code == 200

    @pytest.mark.parametrize(
        "claims", [{"iss": "someone-else"}, {"aud": "another-api"}, {"ver": 99}]
    )
    def test_tokens_with_foreign_claims_are_refused(self, api_client, user, claims):
        payload = jwt.decode(user_token(user=user), options={"verify_signature": False})
        payload.update(claims)
        forged = jwt.encode(payload, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")

        response = api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {forged}")

        assert response.status_code == 401

    def test_tokens_are_not_signed_with_the_secret_key(self, api_client, user):
        payload = jwt.decode(user_token(user=user), options={"verify_signature": False})
        forged = jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")

        assert api_client.get("/api/user", HTTP_AUTHORIZATION=f"Token {forged}").status_code == 401
