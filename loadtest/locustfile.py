"""Realistic Conduit traffic for locust: readers 60 %, signed-in members 30 %, writers 10 %.

Readers use both faces of the service: the API (as an SPA or a mobile app would) and the web
app's server-rendered pages (as a browser does), so the canary gates and the HPA see both.

    locust -f loadtest/locustfile.py --headless            # the realworld-loadtest image
    LOCUST_HOST=http://127.0.0.1:8000 LOCUST_USERS=20 LOCUST_RUN_TIME=30s \
        locust -f loadtest/locustfile.py --headless       # ad hoc, any URL
    make loadtest                                          # against a local server

Configuration comes from locust's own env/CLI (`LOCUST_HOST`, `LOCUST_USERS`,
`LOCUST_SPAWN_RATE`, `LOCUST_RUN_TIME`) plus `LOADTEST_MAX_FAILURE_RATIO` (default 0.01): the
process exits 1 when the share of failed requests exceeds it, 0 otherwise. At the end it prints
requests/s, p50/p95/p99 and failures per endpoint. `LOADTEST_THINK_SECONDS` (default 2) is the
longest pause between a user's actions; 0 makes every user a tight loop (stress, tests).

Members and writers register once when they start (or log in if the name exists) and reuse the
token. Articles the writers create carry the `loadtest` tag; the others never pick those, so a
writer deleting its own article never turns someone else's read into a 404.
"""

import os
import random
import secrets
from typing import Any
from urllib.parse import quote

from locust import FastHttpUser, between, events, task
from locust.env import Environment

WRITER_TAG = "loadtest"
PASSWORD = "loadtest-password"  # noqa: S105 - accounts the load generator creates for itself
PAGE = 20
RUN_ID = secrets.token_hex(3)
THINK_SECONDS = float(os.environ.get("LOADTEST_THINK_SECONDS", "2"))
rng = random.Random()  # noqa: S311 - picks what to read next, not a secret


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--max-failure-ratio",
        type=float,
        env_var="LOADTEST_MAX_FAILURE_RATIO",
        default=0.01,
        help="exit non-zero when failed requests / all requests exceeds this (0.01 = 1 %%)",
    )


class Catalogue:
    """What a user has seen in responses: article slugs, authors and tags to pick from next."""

    def __init__(self) -> None:
        self.slugs: list[str] = []
        self.authors: list[str] = []
        self.tags: list[str] = []

    def learn(self, articles: list[dict[str, Any]]) -> None:
        others = [a for a in articles if WRITER_TAG not in a["tagList"]]
        if others:
            self.slugs = [a["slug"] for a in others]
            self.authors = sorted({a["author"]["username"] for a in others})


class ConduitUser(FastHttpUser):
    abstract = True
    wait_time = between(THINK_SECONDS / 4, THINK_SECONDS)
    token: str | None = None
    username = ""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        # Each simulated user presents its own client address, as real users do behind the
        # ingress (the app trusts one proxy hop there: TRUSTED_PROXY_COUNT=1), so the per-IP
        # login and registration limits count per simulated user, not for the whole load
        # generator. The addresses are from the benchmarking range 198.18.0.0/15 (RFC 2544)
        # and only ever appear in this header.
        self.client_address = (
            f"198.{18 + rng.randrange(2)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        )

    def on_start(self) -> None:
        self.seen = Catalogue()
        self.list_articles()
        self.tags()

    # --- helpers --------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"X-Forwarded-For": self.client_address}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        return headers

    @staticmethod
    def _fail(response: Any, *, with_body: bool = False) -> None:
        """Marks a response failed: by the connection error when no response came (a refused or
        reset connection has status 0), else by its status (and the start of its body)."""
        if response.status_code == 0 and response.error is not None:
            response.failure(response.error)
            return
        detail = f": {(response.text or '')[:200]}" if with_body else ""
        response.failure(f"status {response.status_code}{detail}")

    def _get(self, path: str, name: str, key: str) -> Any:
        """GET expecting 200 and a JSON object with `key`; returns that value or None."""
        with self.client.get(
            path, name=name, headers=self._headers(), catch_response=True
        ) as response:
            if response.status_code != 200:
                self._fail(response)
                return None
            body = response.json()
            if key not in body:
                response.failure(f"no {key!r} in the response")
                return None
            return body[key]

    def _page(self, path: str, name: str, marker: str) -> None:
        """GET a web page expecting 200, HTML, and `marker` in it."""
        with self.client.get(
            path, name=name, headers=self._headers(), catch_response=True
        ) as response:
            if response.status_code != 200:
                self._fail(response)
            elif marker not in (response.text or ""):
                response.failure(f"{marker!r} not in the page")

    def _send(
        self, method: str, path: str, name: str, *, json: Any = None, expect: int = 200
    ) -> Any:
        with self.client.request(
            method, path, name=name, json=json, headers=self._headers(), catch_response=True
        ) as response:
            if response.status_code != expect:
                self._fail(response, with_body=True)
                return None
            return response.json() if response.text else {}

    def sign_in(self) -> None:
        """Registers a fresh account (or logs in when the name exists) and keeps the token."""
        self.username = f"lt{RUN_ID}{secrets.token_hex(4)}"
        user = {"username": self.username, "email": f"{self.username}@loadtest.local"}
        with self.client.post(
            "/api/users",
            name="POST /api/users",
            json={"user": {**user, "password": PASSWORD}},
            headers=self._headers(),
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                self.token = response.json()["user"]["token"]
                return
            if response.status_code != 409:
                self._fail(response, with_body=True)
                return
            response.success()  # name taken: an earlier run left it, so log in instead
        body = self._send(
            "POST",
            "/api/users/login",
            "POST /api/users/login",
            json={"user": {"email": user["email"], "password": PASSWORD}},
        )
        self.token = body["user"]["token"] if body else None

    def _article(self) -> str | None:
        return rng.choice(self.seen.slugs) if self.seen.slugs else None

    # --- reads every kind of user makes -------------------------------------------------------

    def list_articles(self) -> None:
        offset = rng.choice((0, 0, 0, PAGE, 2 * PAGE))
        articles = self._get(
            f"/api/articles?limit={PAGE}&offset={offset}", "GET /api/articles", "articles"
        )
        if articles:
            self.seen.learn(articles)

    def tags(self) -> None:
        tags = self._get("/api/tags", "GET /api/tags", "tags")
        if tags:
            self.seen.tags = [t for t in tags if t != WRITER_TAG]

    def read_article(self) -> None:
        if slug := self._article():
            self._get(f"/api/articles/{slug}", "GET /api/articles/:slug", "article")

    def read_comments(self) -> None:
        if slug := self._article():
            self._get(
                f"/api/articles/{slug}/comments", "GET /api/articles/:slug/comments", "comments"
            )


class Reader(ConduitUser):
    """Anonymous visitors: the home page, tag and author pages, an article and its comments."""

    weight = 6

    @task(4)
    def home(self) -> None:
        self.list_articles()

    @task(2)
    def by_tag(self) -> None:
        if self.seen.tags:
            tag = rng.choice(self.seen.tags)
            self._get(f"/api/articles?tag={tag}&limit={PAGE}", "GET /api/articles?tag=", "articles")

    @task(1)
    def by_author(self) -> None:
        if self.seen.authors:
            author = rng.choice(self.seen.authors)
            self._get(
                f"/api/articles?author={author}&limit={PAGE}",
                "GET /api/articles?author=",
                "articles",
            )

    @task(3)
    def article(self) -> None:
        self.read_article()

    @task(2)
    def comments(self) -> None:
        self.read_comments()

    @task(1)
    def tag_cloud(self) -> None:
        self.tags()

    # The same reads as pages in a browser.
    @task(3)
    def home_page(self) -> None:
        self._page("/", "GET / (page)", 'class="feed-toggle"')

    @task(2)
    def article_page(self) -> None:
        if slug := self._article():
            self._page(f"/article/{slug}", "GET /article/:slug (page)", 'class="article-page"')

    @task(1)
    def profile_page(self) -> None:
        if self.seen.authors:
            author = rng.choice(self.seen.authors)
            self._page(
                f"/profile/{quote(author)}", "GET /profile/:username (page)", 'class="user-info"'
            )


class Member(ConduitUser):
    """Signed-in users: their feed, favorites, follows and comments."""

    weight = 3

    def on_start(self) -> None:
        self.sign_in()
        super().on_start()
        # Every other follow and comment is undone, so feeds keep about half of them and each
        # undo runs as often as half its action (not by chance, which a short run can miss).
        self.follows = 0
        self.comments = 0

    @task(3)
    def feed(self) -> None:
        self._get(f"/api/articles/feed?limit={PAGE}", "GET /api/articles/feed", "articles")

    @task(2)
    def home(self) -> None:
        self.list_articles()

    @task(2)
    def article(self) -> None:
        self.read_article()

    @task(1)
    def current_user(self) -> None:
        self._get("/api/user", "GET /api/user", "user")

    @task(2)
    def favorite(self) -> None:
        if slug := self._article():
            path = f"/api/articles/{slug}/favorite"
            self._send("POST", path, "POST /api/articles/:slug/favorite")
            self._send("DELETE", path, "DELETE /api/articles/:slug/favorite")

    @task(1)
    def follow(self) -> None:
        authors = [a for a in self.seen.authors if a != self.username]
        if authors:
            path = f"/api/profiles/{rng.choice(authors)}/follow"
            self._send("POST", path, "POST /api/profiles/:username/follow")
            self.follows += 1
            if self.follows % 2 == 0:
                self._send("DELETE", path, "DELETE /api/profiles/:username/follow")

    @task(1)
    def comment(self) -> None:
        if slug := self._article():
            body = self._send(
                "POST",
                f"/api/articles/{slug}/comments",
                "POST /api/articles/:slug/comments",
                json={"comment": {"body": "Load-tested and still standing."}},
                expect=201,
            )
            self.comments += 1
            if body and self.comments % 2 == 0:
                self._send(
                    "DELETE",
                    f"/api/articles/{slug}/comments/{body['comment']['id']}",
                    "DELETE /api/articles/:slug/comments/:id",
                    expect=204,
                )


class Writer(ConduitUser):
    """Authors: create articles, edit them, and delete some of their own."""

    weight = 1

    def on_start(self) -> None:
        self.sign_in()
        self.mine: list[str] = []
        super().on_start()

    @task(3)
    def create(self) -> None:
        n = secrets.token_hex(4)
        body = self._send(
            "POST",
            "/api/articles",
            "POST /api/articles",
            json={
                "article": {
                    "title": f"Load test {n}",
                    "description": "Written by the load generator",
                    "body": "Lorem ipsum " * 40,
                    "tagList": [WRITER_TAG, rng.choice(("python", "django", "postgres"))],
                }
            },
            expect=201,
        )
        if body:
            self.mine.append(body["article"]["slug"])

    @task(2)
    def update(self) -> None:
        if self.mine:
            i = rng.randrange(len(self.mine))
            body = self._send(
                "PUT",
                f"/api/articles/{self.mine[i]}",
                "PUT /api/articles/:slug",
                json={"article": {"body": f"Edited {secrets.token_hex(4)}"}},
            )
            if body:
                self.mine[i] = body["article"]["slug"]

    @task(2)
    def delete(self) -> None:
        if self.mine:
            slug = self.mine.pop(rng.randrange(len(self.mine)))
            self._send("DELETE", f"/api/articles/{slug}", "DELETE /api/articles/:slug", expect=204)

    @task(1)
    def home(self) -> None:
        self.list_articles()


@events.quitting.add_listener
def _summary_and_exit_code(environment: Environment, **_: Any) -> None:
    """Prints p50/p95/p99 per endpoint; exits 1 above the failure threshold, else 0."""
    stats = environment.stats
    total = stats.total
    print(
        f"\n{'endpoint':<46} {'reqs':>7} {'fails':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        print(
            f"{entry.name:<46} {entry.num_requests:>7} {entry.num_failures:>6} "
            f"{entry.total_rps:>7.1f} {entry.get_response_time_percentile(0.5):>6.0f} "
            f"{entry.get_response_time_percentile(0.95):>6.0f} "
            f"{entry.get_response_time_percentile(0.99):>6.0f}"
        )
    ratio = total.fail_ratio
    limit = environment.parsed_options.max_failure_ratio if environment.parsed_options else 0.01
    print(
        f"{'total':<46} {total.num_requests:>7} {total.num_failures:>6} {total.total_rps:>7.1f}"
        f"  failure ratio {ratio:.4f} (limit {limit}), response times in ms"
    )
    environment.process_exit_code = 1 if ratio > limit else 0
