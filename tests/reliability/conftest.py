"""Reliability scenarios: gunicorn with the production config on a scratch database."""

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.databases import (
    database_name,
    drop_database,
    recreate_database,
    with_database_name,
)
from tests.support.servers import REPO_ROOT, server_environment

from .client import call


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO_ROOT,
        env=server_environment(url),
        check=True,
    )


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A migrated scratch database next to DATABASE_URL, dropped at the end."""
    base = os.environ["DATABASE_URL"]
    url = with_database_name(base, f"{database_name(base)}_reliability")
    recreate_database(url)
    migrate(url)
    yield url
    drop_database(url)


@dataclass
class Dataset:
    token: str
    slugs: list[str]
    usernames: list[str]


def seed(base_url: str, name: str = "rel", articles: int = 10) -> Dataset:
    """A writer and a few articles with tags, for locust's readers and members to find."""
    suffix = random.randrange(10**9)
    user = {"username": f"{name}{suffix}", "email": f"{name}{suffix}@example.com"}
    status, body = call(
        base_url, "POST", "/api/users", {"user": {**user, "password": "pw-1234567"}}
    )
    assert status == 201, body
    token = json.loads(body)["user"]["token"]
    slugs = []
    for i in range(articles):
        article = {"title": f"{name} {suffix} {i}", "description": "d", "body": "b" * 500}
        article["tagList"] = [f"tag{i % 3}", "reliability"]
        status, body = call(base_url, "POST", "/api/articles", {"article": article}, token=token)
        assert status == 201, body
        slugs.append(json.loads(body)["article"]["slug"])
    return Dataset(token=token, slugs=slugs, usernames=[user["username"]])
