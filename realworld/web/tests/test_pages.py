"""The pages, through Django's test client: content, access rules and query counts."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.contrib.sessions.models import Session

from realworld.articles.models import Article, Favorite
from realworld.comments.models import Comment
from realworld.profiles.models import Follow
from tests.support.factories import (
    ArticleFactory,
    CommentFactory,
    FavoriteFactory,
    FollowFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def error_lines(response) -> list[str]:
    found = re.search(r'<ul class="error-messages"[^>]*>(.*?)</ul>', html(response), re.S)
    return (
        [unescape(line) for line in re.findall(r"<li>(.*?)</li>", found.group(1))] if found else []
    )


class ElementsAndAttributes(HTMLParser):
    """The real elements and attributes of a page (escaped text does not count)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def parsed(page: str) -> ElementsAndAttributes:
    parser = ElementsAndAttributes()
    parser.feed(page)
    return parser


def submit(browser, path: str, fields: dict[str, str]):
    """The form at `path` as a visitor fills it in: its page first (for the CSRF token), then
    the POST."""
    return browser.post(path, {**fields, "csrfmiddlewaretoken": csrf_token(browser.get(path))})


def csrf_token(response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(response))
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


class TestHome:
    def test_an_empty_global_feed(self, browser):
        response = browser.get("/")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        page = html(response)
        assert '<a class="nav-link active" href="/">Global Feed</a>' in page
        assert "Your Feed" not in page
        assert "No articles are here... yet." in page
        assert response["Content-Security-Policy"].startswith("default-src 'self'")
        assert "script-src 'self';" in response["Content-Security-Policy"]

    def test_ten_articles_a_page_most_recent_first(self, browser):
        articles = [ArticleFactory(title=f"Number {n}") for n in range(12)]

        first = html(browser.get("/"))
        second = html(browser.get("/?page=2"))

        assert first.count('class="article-preview"') == 10
        assert second.count('class="article-preview"') == 2
        assert articles[11].title in first
        assert articles[0].title in second
        assert articles[0].title not in first
        assert '<li class="page-item active"><a class="page-link" href="/"' in first
        assert '<a class="page-link" href="/?page=2">2</a>' in first
        assert 'class="page-item active"><a class="page-link" href="/?page=2"' in second

    @pytest.mark.parametrize("page", ["abc", "-1", "0", "1.5", "99999999999999"])
    def test_a_bad_page_number_is_never_an_error(self, browser, page):
        ArticleFactory()

        assert browser.get("/", {"page": page}).status_code == 200

    def test_popular_tags_and_the_tag_tab(self, browser):
        ArticleFactory(title="Dragons", tags=["dragons"])
        ArticleFactory(title="Unicorns", tags=["unicorns"])

        home = html(browser.get("/"))
        tagged = html(browser.get("/tag/dragons"))

        assert '<a href="/tag/dragons" class="tag-pill tag-default">dragons</a>' in home
        assert "Dragons" in tagged
        assert "Unicorns" not in tagged
        assert '<a class="nav-link active" href="/tag/dragons"># dragons</a>' in tagged
        assert '<a class="nav-link" href="/">Global Feed</a>' in tagged

    def test_your_feed_needs_a_sign_in(self, browser):
        response = browser.get("/?feed=following")

        assert response.status_code == 302
        assert response["Location"] == "/login?next=%2F%3Ffeed%3Dfollowing"

    def test_your_feed_lists_followed_authors_or_says_it_is_empty(self, signed_in):
        reader, star = UserFactory(), UserFactory(username="star")
        ArticleFactory(author=star, title="By the star")
        ArticleFactory(title="By someone else")
        client = signed_in(reader)

        empty = html(client.get("/?feed=following"))
        FollowFactory(follower=reader, followee=star)
        feed = html(client.get("/?feed=following"))

        assert "Your feed is empty" in empty
        assert '<a href="/">Global Feed</a>' in empty
        assert '<a class="nav-link active" href="/?feed=following">Your Feed</a>' in feed
        assert "By the star" in feed
        assert "By someone else" not in feed

    def test_feed_pagination_keeps_the_feed(self, signed_in):
        reader, star = UserFactory(), UserFactory()
        FollowFactory(follower=reader, followee=star)
        ArticleFactory.create_batch(11, author=star)

        page = html(signed_in(reader).get("/?feed=following"))

        assert 'href="/?feed=following&amp;page=2">2</a>' in page

    def test_query_counts_do_not_grow_with_the_page(
        self, browser, signed_in, django_assert_max_num_queries
    ):
        ArticleFactory.create_batch(10, tags=["a", "b"])
        with django_assert_max_num_queries(3):  # rows, count, tags
            browser.get("/")
        client = signed_in(UserFactory())
        with django_assert_max_num_queries(5):  # + session and user
            client.get("/")


class TestSignUpAndIn:
    def test_sign_up_signs_in_and_goes_home(self, browser):
        response = submit(
            browser,
            "/register",
            {
                "username": "jake",
                "email": "jake@jake.jake",
                "password": "jakejake1",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == "/"
        home = html(browser.get("/"))
        assert (
            'href="/profile/jake"><img src="/static/web/default-avatar.svg" class="user-pic"'
            in home
        )
        assert '"authState": "authenticated"' in home

    def test_every_bad_field_is_listed_with_the_api_messages(self, browser):
        UserFactory(username="jake", email="jake@jake.jake")
        response = submit(
            browser,
            "/register",
            {
                "username": "other",
                "email": "JAKE@jake.jake",
                "password": "short",
            },
        )

        assert response.status_code == 200
        assert error_lines(response) == [
            "password is too short (minimum is 8 characters)",
            "email has already been taken",
        ]
        assert '<h1 class="text-xs-center">Sign up</h1>' in html(response)

    def test_forms_without_the_csrf_token_are_refused(self, browser):
        response = browser.post(
            "/register", {"username": "jake", "email": "j@j.j", "password": "jakejake1"}
        )

        assert response.status_code == 403
        assert "This form expired" in html(response)

    def test_wrong_credentials_say_so(self, browser):
        UserFactory(email="jake@jake.jake")
        response = submit(
            browser,
            "/login",
            {
                "email": "jake@jake.jake",
                "password": "wrong",
            },
        )

        assert response.status_code == 200
        assert error_lines(response) == ["credentials invalid"]

    def test_sign_in_then_sign_out_ends_the_session_on_the_server(self, browser):
        user = UserFactory()
        submit(
            browser,
            "/login",
            {
                "email": user.email,
                "password": "password123",
            },
        )
        assert Session.objects.count() == 1
        settings = browser.get("/settings")
        assert browser.get("/logout").status_code == 405  # never a GET link

        response = browser.post("/logout", {"csrfmiddlewaretoken": csrf_token(settings)})

        assert response.status_code == 302
        assert response["Location"] == "/"
        assert Session.objects.count() == 0
        assert '"authState": "unauthenticated"' in html(browser.get("/"))

    def test_session_cookie_flags(self, browser):
        user = UserFactory()
        response = submit(
            browser,
            "/login",
            {
                "email": user.email,
                "password": "password123",
            },
        )

        cookie = response.cookies["sessionid"]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


class TestSettings:
    def test_needs_a_sign_in(self, browser):
        assert browser.get("/settings")["Location"] == "/login?next=%2Fsettings"

    def test_updates_and_stores_empty_bio_and_image_as_null(self, signed_in):
        user = UserFactory(username="jake", bio="old bio", image="https://x.io/a.png")
        client = signed_in(user)

        response = client.post(
            "/settings",
            {"image": "", "username": "jacob", "bio": "", "email": user.email, "password": ""},
        )

        assert response.status_code == 302
        assert response["Location"] == "/profile/jacob"
        user.refresh_from_db()
        assert (user.username, user.bio, user.image) == ("jacob", None, None)
        assert user.check_password("password123")  # an empty password field keeps it

    def test_rejects_a_script_url_as_image_and_a_taken_email(self, signed_in):
        UserFactory(email="taken@x.io")
        user = UserFactory()

        response = signed_in(user).post(
            "/settings",
            {"image": "javascript:alert(1)", "username": user.username, "email": "taken@x.io"},
        )

        assert response.status_code == 200
        assert error_lines(response) == ["image is invalid", "email has already been taken"]

    def test_a_new_password_keeps_this_session_and_ends_the_others(self, signed_in):
        user = UserFactory()
        this, other = signed_in(user), signed_in(user)

        this.post(
            "/settings",
            {"username": user.username, "email": user.email, "password": "a-new-password"},
        )

        assert '"authState": "authenticated"' in html(this.get("/"))
        assert '"authState": "unauthenticated"' in html(other.get("/"))


class TestEditor:
    def test_needs_a_sign_in(self, browser):
        assert browser.get("/editor")["Location"] == "/login?next=%2Feditor"

    def test_publishes_with_tags_from_pills_and_from_the_text_field(self, signed_in):
        author = UserFactory()

        response = signed_in(author).post(
            "/editor",
            {
                "title": "How to train your dragon",
                "description": "Ever wonder how?",
                "body": "You have to believe",
                "tagList": ["dragons", "training"],
                "tags": "training, fire  ice",
            },
        )

        article = Article.objects.get()
        assert response["Location"] == f"/article/{article.slug}"
        assert sorted(article.tags.values_list("name", flat=True)) == [
            "dragons",
            "fire",
            "ice",
            "training",
        ]

    def test_lists_every_error(self, signed_in):
        response = signed_in(UserFactory()).post(
            "/editor", {"title": "", "description": "", "body": "  ", "tags": "x" * 65}
        )

        assert response.status_code == 200
        assert error_lines(response) == [
            "title can't be blank",
            "description can't be blank",
            "body can't be blank",
            f"tags {'x' * 65} is too long (maximum is 64 characters)",
        ]
        assert not Article.objects.exists()

    def test_edits_in_place_for_the_author(self, signed_in):
        article = ArticleFactory(title="Old", tags=["keep", "drop"])
        client = signed_in(article.author)

        form = html(client.get(f"/editor/{article.slug}"))
        response = client.post(
            f"/editor/{article.slug}",
            {"title": "New title", "description": "d", "body": "b", "tagList": ["keep"]},
        )

        assert 'value="Old"' in form
        assert '<input type="hidden" name="tagList" value="drop">' in form
        article.refresh_from_db()
        assert article.title == "New title"
        assert response["Location"] == f"/article/{article.slug}"
        assert list(article.tags.values_list("name", flat=True)) == ["keep"]

    def test_others_get_a_403_page(self, signed_in):
        article = ArticleFactory(title="Not yours")
        client = signed_in(UserFactory())

        get = client.get(f"/editor/{article.slug}")
        post = client.post(
            f"/editor/{article.slug}", {"title": "x", "description": "d", "body": "b"}
        )
        delete = client.post(f"/article/{article.slug}/delete")

        assert [get.status_code, post.status_code, delete.status_code] == [403, 403, 403]
        assert "only its author may change it" in html(get)
        article.refresh_from_db()
        assert article.title == "Not yours"

    def test_the_author_deletes_and_goes_home(self, signed_in):
        article = ArticleFactory()

        response = signed_in(article.author).post(f"/article/{article.slug}/delete")

        assert response["Location"] == "/"
        assert not Article.objects.exists()


class TestArticlePage:
    def test_renders_markdown_tags_and_the_author_buttons(self, signed_in, browser):
        article = ArticleFactory(
            title="Dragons", body="# Heading\n\nSome **bold** text.", tags=["fire"]
        )

        as_author = html(signed_in(article.author).get(f"/article/{article.slug}"))
        as_visitor = html(browser.get(f"/article/{article.slug}"))

        assert "<h1>Dragons</h1>" in as_author
        assert "<h1>Heading</h1>" in as_author
        assert "<strong>bold</strong>" in as_author
        assert '<li class="tag-default tag-pill tag-outline">fire</li>' in as_author
        assert "Edit Article" in as_author
        assert "Delete Article" in as_author
        assert "Favorite Article" not in as_author
        assert "Edit Article" not in as_visitor
        assert f"Follow {article.author.username}" in as_visitor
        assert 'placeholder="Write a comment..."' not in as_visitor
        back = f"%2Farticle%2F{article.slug}"
        assert f'<a href="/login?next={back}">Sign in</a>' in as_visitor

    @pytest.mark.parametrize(
        "payload",
        [
            "<script>alert(1)</script>",
            '<img src="x" onerror="alert(1)">',
            "[click](javascript:alert(1))",
            '<a href="javascript:alert(1)">x</a>',
            '<p style="background:url(javascript:alert(1))">x</p>',
            "![x](javascript:alert(1))",
            '<svg onload="alert(1)">',
            "<iframe src='https://evil.example'></iframe>",
        ],
    )
    def test_hostile_markup_is_inert_everywhere(self, browser, payload):
        author = UserFactory(username=f"u{payload[:20]}", bio=payload)
        article = ArticleFactory(
            author=author, title=payload, description=payload, body=payload, tags=[payload[:60]]
        )
        CommentFactory(article=article, body=payload)

        pages = [
            html(browser.get(f"/article/{article.slug}")),
            html(browser.get("/")),
            html(browser.get(f"/profile/{author.username}")),
        ]

        for page in pages:
            main = page.split('<main id="main" tabindex="-1">', 1)[1].split("</main>", 1)[0]
            found = parsed(main)
            assert not {"script", "iframe", "style", "object"} & set(found.tags)
            assert not [name for name, _ in found.attributes if name.startswith("on")]
            assert "style" not in {name for name, _ in found.attributes}
            links = [value for name, value in found.attributes if name in {"href", "src"}]
            assert not [link for link in links if link.strip().lower().startswith("javascript:")]

    def test_an_unknown_article_is_a_styled_404(self, browser):
        response = browser.get("/article/nothing-here")

        assert response.status_code == 404
        assert '<div class="article-page">' in html(response)
        assert "There is no such article here." in html(response)

    def test_query_counts(self, browser, signed_in, django_assert_max_num_queries):
        article = ArticleFactory(tags=["a"])
        CommentFactory.create_batch(5, article=article)
        with django_assert_max_num_queries(3):  # article, its id for comments, comments
            browser.get(f"/article/{article.slug}")
        client = signed_in(UserFactory())
        with django_assert_max_num_queries(5):
            client.get(f"/article/{article.slug}")


class TestActions:
    def test_favorite_then_unfavorite_and_go_back(self, signed_in):
        reader, article = UserFactory(), ArticleFactory()
        client = signed_in(reader)

        favorited = client.post(f"/article/{article.slug}/favorite", {"next": "/?page=2"})
        page = html(client.get(f"/article/{article.slug}"))
        client.post(f"/article/{article.slug}/unfavorite")

        assert favorited["Location"] == "/?page=2"
        assert 'class="btn btn-sm btn-primary"' in page
        assert "Unfavorite Article" in page
        assert '<span class="counter">(1)</span>' in page
        assert not Favorite.objects.exists()

    def test_next_never_leaves_the_site(self, signed_in):
        article = ArticleFactory()

        response = signed_in(UserFactory()).post(
            f"/article/{article.slug}/favorite", {"next": "https://evil.example/"}
        )

        assert response["Location"] == f"/article/{article.slug}"

    def test_signed_out_actions_lead_to_login(self, browser):
        article = ArticleFactory()
        form = browser.get(f"/article/{article.slug}")

        response = browser.post(
            f"/article/{article.slug}/favorite", {"csrfmiddlewaretoken": csrf_token(form)}
        )

        assert response["Location"] == "/login"
        assert not Favorite.objects.exists()

    def test_follow_then_unfollow(self, signed_in):
        reader = UserFactory()
        UserFactory(username="star")
        client = signed_in(reader)

        client.post("/profile/star/follow")
        page = html(client.get("/profile/star"))
        client.post("/profile/star/unfollow")

        assert "Unfollow star" in page
        assert not Follow.objects.exists()

    def test_following_oneself_is_a_422_page(self, signed_in):
        user = UserFactory()

        response = signed_in(user).post(f"/profile/{user.username}/follow")

        assert response.status_code == 422
        assert "profile can&#x27;t be followed by its own user" in html(response)

    def test_comment_post_blank_and_delete(self, signed_in):
        article = ArticleFactory()
        reader = UserFactory()
        client = signed_in(reader)

        posted = client.post(f"/article/{article.slug}/comments", {"body": "Nice one"})
        blank = client.post(f"/article/{article.slug}/comments", {"body": "   "})
        comment = Comment.objects.get()
        page = html(client.get(f"/article/{article.slug}"))
        others = html(signed_in(UserFactory()).get(f"/article/{article.slug}"))
        forbidden = signed_in(article.author).post(
            f"/article/{article.slug}/comments/{comment.pk}/delete"
        )
        deleted = client.post(f"/article/{article.slug}/comments/{comment.pk}/delete")

        assert posted["Location"] == f"/article/{article.slug}"
        assert blank.status_code == 422
        assert error_lines(blank) == ["body can't be blank"]
        assert '<p class="card-text">Nice one</p>' in page
        assert page.count('class="ion-trash-a"') == 1
        assert 'class="ion-trash-a"' not in others.split('class="card"', 1)[1]
        assert forbidden.status_code == 403
        assert deleted.status_code == 302
        assert not Comment.objects.exists()


class TestProfile:
    def test_articles_and_favorites_tabs(self, browser):
        jake = UserFactory(username="jake", bio="I work at statefarm")
        ArticleFactory(author=jake, title="Jake wrote this")
        FavoriteFactory(user=jake, article=ArticleFactory(title="Jake likes this"))

        mine = html(browser.get("/profile/jake"))
        favorites = html(browser.get("/profile/jake/favorites"))

        assert "<h4>jake</h4>" in mine
        assert "<p>I work at statefarm</p>" in mine
        assert "Jake wrote this" in mine
        assert "Jake likes this" not in mine
        assert "Jake likes this" in favorites
        assert "Jake wrote this" not in favorites
        assert '<a class="nav-link active" href="/profile/jake/favorites">Favorited' in favorites

    def test_own_profile_links_to_settings(self, signed_in):
        user = UserFactory()

        page = html(signed_in(user).get(f"/profile/{user.username}"))

        assert 'href="/settings">' in page
        assert "Edit Profile Settings" in page

    def test_an_unknown_profile_is_a_404_without_user_info(self, browser):
        response = browser.get("/profile/nobody")

        assert response.status_code == 404
        assert '<div class="profile-page">' in html(response)
        assert "user-info" not in html(response)

    def test_query_counts(self, browser, django_assert_max_num_queries):
        user = UserFactory()
        ArticleFactory.create_batch(10, author=user)
        with django_assert_max_num_queries(4):  # profile, rows, count (+ author id)
            browser.get(f"/profile/{user.username}")


def test_unknown_pages_are_html_and_unknown_api_urls_json(browser):
    page = browser.get("/no/such/page")
    api = browser.get("/api/no-such-thing")

    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert "404 · Not found" in html(page)
    assert api.status_code == 404
    assert api.json() == {"errors": {"resource": ["not found"]}}
