"""Settings refuse unsafe production configurations (each case imports settings afresh)."""

import os
import subprocess
import sys

import pytest

KEY = "k" * 50


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "THROTTLE_"))
    }
    environment.update({"DATABASE_URL": "postgres://localhost/x", **env})
    return subprocess.run(
        [sys.executable, "-c", "import realworld.settings as s; print(s.DEBUG)"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DJANGO_SECRET_KEY is required"),
        ({"DJANGO_SECRET_KEY": "short"}, "at least 32 characters"),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_ENV": "production", "DJANGO_SECRET_KEY": KEY},
            "DJANGO_DEBUG must be off when DJANGO_ENV=production",
        ),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_ALLOWED_HOSTS": "realworld.takehome.local"},
            "DJANGO_DEBUG is only allowed for local development",
        ),
        ({"DJANGO_SECRET_KEY": KEY, "THROTTLE_LOGIN_IP_RATE": "lots"}, "THROTTLE_LOGIN_IP_RATE"),
        ({"DJANGO_SECRET_KEY": KEY, "JWT_ACCESS_TOKEN_LIFETIME_SECONDS": "99999999"}, "<= 604800"),
    ],
)
def test_refuses(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("env", "debug"),
    [
        ({"DJANGO_SECRET_KEY": KEY, "DJANGO_ENV": "production"}, "False"),
        ({"DJANGO_SECRET_KEY": KEY}, "False"),
        ({"DJANGO_DEBUG": "1"}, "True"),  # local development: loopback hosts only
    ],
)
def test_accepts(env, debug):
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == debug
