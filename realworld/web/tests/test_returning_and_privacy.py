"""Rough edges a reader meets: signing in from a page brings them back to it; pages rendered
for a signed-in viewer are stored by no cache; every HTML answer, the 400 for a foreign Host
included, carries the security headers."""

import re

import pytest

from tests.support.factories import PASSWORD, ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def csrf_token(response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def link_to(page: str, text: str) -> str:
    found = re.search(rf'<a href="([^"]+)">{text}</a>', page)
    assert found is not None, f"no link {text!r}"
    return found.group(1).replace("&amp;", "&")


def sign_in_through(browser, login_url: str, email: str):
    form = browser.get(login_url)
    assert form.status_code == 200
    fields = {"email": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(form)}
    hidden = re.search(r'name="next" value="([^"]*)"', form.content.decode())
    if hidden:
        fields["next"] = hidden.group(1)
    return browser.post("/login", fields)


class TestBackToWhereIWas:
    def test_signing_in_from_an_article_returns_to_it(self, browser):
        reader = UserFactory(email="reader@example.com")
        article = ArticleFactory()
        page = browser.get(f"/article/{article.slug}").content.decode()

        signed_in = sign_in_through(browser, link_to(page, "Sign in"), reader.email)

        assert signed_in.status_code == 302
        assert signed_in["Location"] == f"/article/{article.slug}"

    def test_signing_up_from_an_article_returns_to_it(self, browser):
        article = ArticleFactory()
        page = browser.get(f"/article/{article.slug}").content.decode()
        form = browser.get(link_to(page, "sign up"))
        assert f'name="next" value="/article/{article.slug}"' in form.content.decode()

        registered = browser.post(
            "/register",
            {
                "username": "newcomer",
                "email": "newcomer@example.com",
                "password": "a-long-password-1",
                "next": f"/article/{article.slug}",
                "csrfmiddlewaretoken": csrf_token(form),
            },
        )

        assert registered["Location"] == f"/article/{article.slug}"

    @pytest.mark.parametrize("private", ["/editor", "/settings", "/?feed=following"])
    def test_a_private_page_sends_to_sign_in_and_back(self, browser, private):
        reader = UserFactory(email="reader@example.com")

        sent = browser.get(private)
        signed_in = sign_in_through(browser, sent["Location"], reader.email)

        assert sent["Location"].startswith("/login?next=")
        assert signed_in["Location"] == private

    @pytest.mark.parametrize(
        "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:1"]
    )
    def test_next_never_leaves_the_site(self, browser, target):
        reader = UserFactory(email="reader@example.com")

        signed_in = sign_in_through(browser, f"/login?next={target}", reader.email)

        assert signed_in["Location"] == "/"

    def test_the_nav_links_stay_plain(self, browser):
        page = browser.get(f"/article/{ArticleFactory().slug}").content.decode()

        assert '<a class="nav-link" href="/login">Sign in</a>' in page
        assert 'href="/register">Sign up</a>' in page


class TestPrivateToTheViewer:
    def test_every_page_for_a_signed_in_viewer_is_stored_nowhere(self, signed_in):
        article = ArticleFactory()
        viewer = signed_in(UserFactory())

        for path in ("/", f"/article/{article.slug}", "/settings", "/editor", "/no-such-page"):
            response = viewer.get(path)
            assert response["Cache-Control"] == "private, no-store", path

    def test_anonymous_pages_keep_their_caching(self, browser):
        response = browser.get("/")

        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")
        assert "private" not in response.get("Cache-Control", "")


def test_the_page_for_a_foreign_host_carries_the_security_headers(browser):
    response = browser.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
