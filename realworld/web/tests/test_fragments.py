"""Article previews and comment cards come from the fragment cache (web/fragments.py): shared
by every viewer who sees them alike, each with their own flags and CSRF token, never stale."""

import re

import pytest
from django.test import Client

from realworld.articles.models import Article
from realworld.comments.models import Comment
from realworld.users.models import User
from realworld.web.fragments import COMMENT, PREVIEW
from realworld.web.page_cache import PLACEHOLDER
from tests.support.factories import (
    ArticleFactory,
    CommentFactory,
    FavoriteFactory,
    UserFactory,
)

# Committed transactions: the content caches run as in production.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("empty_content_cache"),
]

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def member(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def preview_of(page: bytes, article: Article) -> bytes:
    """The preview's HTML: from its favorite form to the end of its link."""
    slug = article.slug.encode()
    start = page.index(b'<form method="post" action="/article/' + slug)
    return page[start : page.index(b"</a>\n</div>", start)]


def previews(page: bytes) -> bytes:
    start = page.index(b'<div class="article-preview">')
    return page[start : page.rindex(b"</a>\n</div>")]


def test_each_member_sees_their_own_favorites_and_gets_their_own_token():
    liked, other = ArticleFactory(), ArticleFactory()
    fan, stranger = UserFactory(), UserFactory()
    FavoriteFactory(article=liked, user=fan)
    fans, strangers = member(fan), member(stranger)
    pages = [fans.get("/").content, strangers.get("/").content]

    fan_preview, stranger_preview = (preview_of(page, liked) for page in pages)
    assert f"/article/{liked.slug}/unfavorite".encode() in fan_preview
    assert b"btn-primary" in fan_preview
    assert f"/article/{liked.slug}/favorite".encode() in stranger_preview
    assert b"btn-outline-primary" in stranger_preview
    assert all(b"btn-outline-primary" in preview_of(page, other) for page in pages)

    tokens = [set(TOKEN.findall(page)) for page in pages]
    assert all(len(found) == 1 for found in tokens)  # one token per page, in every preview
    assert tokens[0] != tokens[1]
    assert all(PLACEHOLDER.encode() not in page for page in pages)
    fan_token, stranger_token = (found.pop().decode() for found in tokens)
    favorite = f"/article/{other.slug}/favorite"
    assert strangers.post(favorite, {"csrfmiddlewaretoken": fan_token}).status_code == 403
    assert strangers.post(favorite, {"csrfmiddlewaretoken": stranger_token}).status_code == 302


def test_a_preview_is_rendered_once_for_every_member_who_sees_it_the_same_way():
    ArticleFactory.create_batch(3)
    first = member(UserFactory()).get("/")
    again = member(UserFactory()).get("/")
    assert [t.name for t in first.templates].count(PREVIEW) == 3
    assert PREVIEW not in [t.name for t in again.templates]
    shown = [TOKEN.sub(b"", previews(response.content)) for response in (first, again)]
    assert shown[0].count(b'<div class="article-preview">') == 3
    assert shown[1] == shown[0]


def test_a_changed_article_or_favorite_shows_at_once():
    article = ArticleFactory(title="Before the edit")
    reader = UserFactory()
    client = member(reader)
    assert b"Before the edit" in client.get("/").content
    Article.objects.filter(pk=article.pk).update(title="After the edit")
    page = client.get("/").content
    assert b"After the edit" in page
    assert b"Before the edit" not in page
    FavoriteFactory(article=article)  # someone else: the count goes up
    assert b"</i> 1</button>" in preview_of(client.get("/").content, article)
    FavoriteFactory(article=article, user=reader)  # the reader: the button turns
    preview = preview_of(client.get("/").content, article)
    assert b"</i> 2</button>" in preview
    assert b"/unfavorite" in preview


def test_only_the_commenter_gets_a_delete_button_with_their_own_token():
    commenter, reader = UserFactory(), UserFactory()
    comment = CommentFactory(author=commenter, body="First!")
    page = f"/article/{comment.article.slug}"
    delete = f"/article/{comment.article.slug}/comments/{comment.id}/delete"
    commenters, readers = member(commenter), member(reader)
    for _ in range(2):  # rendered, then from the cache
        own, other = commenters.get(page), readers.get(page)
        assert b"First!" in own.content
        assert b"First!" in other.content
        assert delete.encode() in own.content
        assert delete.encode() not in other.content
    assert COMMENT not in [t.name for t in own.templates]  # the second time: cached
    token = TOKEN.findall(own.content)[-1].decode()  # the delete form's, the page's last
    assert readers.post(delete, {"csrfmiddlewaretoken": token}).status_code == 403
    assert commenters.post(delete, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert b"First!" not in readers.get(page).content


def test_the_byline_shows_each_member_their_own_buttons_and_follows_at_once():
    article = ArticleFactory()
    author, reader = article.author, UserFactory()
    page = f"/article/{article.slug}"
    follow = f"/profile/{author.username}/follow"
    for _ in range(2):  # rendered, then from the cache
        own, other = member(author).get(page).content, member(reader).get(page).content
        assert own.count(b"Edit Article") == 2  # the byline above and below the body
        assert b"Edit Article" not in other
        assert other.count(follow.encode()) == 2
    readers = member(reader)
    token = TOKEN.findall(readers.get(page).content)[0].decode()
    assert readers.post(follow, {"csrfmiddlewaretoken": token}).status_code == 302
    followed = readers.get(page).content
    assert followed.count(f"/profile/{author.username}/unfollow".encode()) == 2
    assert follow.encode() not in followed
