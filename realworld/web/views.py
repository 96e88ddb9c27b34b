"""Conduit's pages: thin views over the same services and selectors as the API.

Reads render a template; writes are plain form POSTs that redirect (POST -> redirect -> GET),
so every page works with JavaScript off. Domain errors become error pages in
`web/errors.py`; nothing here speaks JSON or calls the API.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.auth import login as session_login
from django.contrib.auth import logout as session_logout
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from realworld.articles.selectors import (
    ArticleNarrow,
    article_feed,
    article_get,
    article_get_for_edit,
    article_list,
    search_matches,
    tag_popular,
)
from realworld.articles.services import (
    article_create,
    article_delete,
    article_favorite,
    article_unfavorite,
    article_update,
)
from realworld.comments.selectors import comment_list
from realworld.comments.services import comment_create, comment_delete
from realworld.common.client import client_address
from realworld.common.exceptions import Conflict, InvalidCredentials
from realworld.profiles.selectors import profile_get
from realworld.profiles.services import profile_follow, profile_unfollow
from realworld.users import limits
from realworld.users.models import User
from realworld.users.services import user_authenticate, user_register, user_update
from realworld.web.context import viewer_of
from realworld.web.forms import (
    ArticleForm,
    CommentForm,
    LoginForm,
    RegisterForm,
    SearchForm,
    SettingsForm,
    error_sentences,
    search_words,
)
from realworld.web.page_cache import cached_for_anonymous
from realworld.web.page_numbers import (
    ARTICLES_PER_PAGE,
    canonical_page,
    page_links,
    requested_page,
)

SESSION_BACKEND = "realworld.web.sessions.SessionBackend"
POPULAR_TAGS = 20
FOLLOWING = "following"  # ?feed=following: the articles of the authors the viewer follows

View = Callable[..., HttpResponse]


def signed_in(view: View) -> View:
    """Pages and actions for signed-in users; anyone else is sent to /login, and back here
    once signed in (a page; an action's form came from another page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if viewer_of(request) is None:
            return _to_login(request)
        return view(request, *args, **kwargs)

    return wrapper


def _to_login(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return redirect("/login")
    return redirect(f"/login?{urlencode({'next': request.get_full_path()})}")


def _local(request: HttpRequest, target: str) -> str | None:
    """`target` when it is a path of this site (never another host: an open redirect)."""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if safe and target.startswith("/") else None


def _next_of(request: HttpRequest) -> str | None:
    """Where to go once signed in: the `next` the form carries, or the link's."""
    return _local(request, request.POST.get("next") or request.GET.get("next", ""))


def _user(request: HttpRequest) -> User:
    user = viewer_of(request)
    assert user is not None  # behind @signed_in
    return user


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to the page the form came from (`next`), when it is one of ours."""
    return redirect(_local(request, request.POST.get("next", "")) or fallback)


def _article_list_page(request: HttpRequest, template: str, *, rows, count, page, **context):
    links = page_links(
        current=page.number, total=count, per_page=ARTICLES_PER_PAGE, url=page.url_for
    )
    return render(request, template, {"articles": rows, "pages": links, **context})


# --- Reading -------------------------------------------------------------------------------


def _following(raw: str) -> str | None:
    return raw if raw == FOLLOWING else None


@require_safe
@cached_for_anonymous(page=canonical_page, feed=_following)
def home(request: HttpRequest, tag: str | None = None) -> HttpResponse:
    viewer = viewer_of(request)
    following = tag is None and request.GET.get("feed") == FOLLOWING
    if following and viewer is None:
        return _to_login(request)
    base = f"/tag/{quote(tag)}" if tag else "/"
    page = requested_page(request, base=base, keep={"feed": FOLLOWING} if following else {})
    if following:
        assert viewer is not None
        rows, count = article_feed(viewer=viewer, page=page.window)
    else:
        filters = ArticleNarrow(tag=tag)
        rows, count = article_list(filters=filters, viewer=viewer, page=page.window)
    return _article_list_page(
        request,
        "web/home.html",
        rows=rows,
        count=count,
        page=page,
        nav="home",
        tab="following" if following else ("tag" if tag else "global"),
        tag=tag,
        popular_tags=tag_popular(limit=POPULAR_TAGS),
    )


def _render_article(
    request: HttpRequest, slug: str, comment_form: CommentForm, status: int = 200
) -> HttpResponse:
    viewer = viewer_of(request)
    article = article_get(slug=slug, viewer=viewer)
    context = {
        "article": article,
        "canonical_url": request.build_absolute_uri(f"/article/{quote(article['slug'])}"),
        "comments": comment_list(slug=slug, viewer=viewer),
        "is_author": viewer is not None and viewer.username == article["author__username"],
        "comment_form": comment_form,
        "comment_errors": comment_form.error_messages_list() if comment_form.is_bound else [],
    }
    return render(request, "web/article.html", context, status=status)


@require_safe
@cached_for_anonymous()
def article_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_article(request, slug, CommentForm())


@require_safe
@cached_for_anonymous(page=canonical_page)
def profile_page(request: HttpRequest, username: str, favorites: bool = False) -> HttpResponse:
    viewer = viewer_of(request)
    profile = profile_get(username=username, viewer=viewer)
    base = f"/profile/{quote(username)}" + ("/favorites" if favorites else "")
    page = requested_page(request, base=base)
    filters = ArticleNarrow(favorited=username) if favorites else ArticleNarrow(author=username)
    rows, count = article_list(filters=filters, viewer=viewer, page=page.window)
    is_self = viewer is not None and viewer.username == profile["username"]
    return _article_list_page(
        request,
        "web/profile.html",
        rows=rows,
        count=count,
        page=page,
        profile=profile,
        favorites=favorites,
        is_self=is_self,
        nav="me" if is_self else None,
    )


def _search_words(raw: str) -> str | None:
    """`?q=` as the page cache keys it: as the form runs it, None when there are no words."""
    return search_words(raw) or None


@require_safe
@cached_for_anonymous(q=_search_words, page=canonical_page)
def search(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = SearchForm(request.GET)
    if not form.is_valid():  # too long, or text no database can store: said on the page
        errors = [f"Your search {message}" for message in form.errors["q"]]
        context = {"form": form, "errors": errors, "words": ""}
        return render(request, "web/search.html", context, status=400)
    words = form.words()
    if not words:
        return render(request, "web/search.html", {"form": form, "words": ""})
    page = requested_page(request, base="/search", keep={"q": words})
    rows, count = article_list(filters=ArticleNarrow(search=words), viewer=viewer, page=page.window)
    matches = search_matches(search=words, article_ids=[row["id"] for row in rows])
    return _article_list_page(
        request,
        "web/search.html",
        rows=rows,
        count=count,
        page=page,
        form=form,
        words=words,
        matches=matches,
        matched=count,
    )


# --- Signing in and out ----------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        address = client_address(request)
        limits.registration_allowed(email=request.POST.get("email", ""), address=address)
        if not form.is_valid():
            errors = form.error_messages_list()
        else:
            try:
                return _signed_in(request, user_register(**form.cleaned_data))
            except Conflict as taken:  # a concurrent registration took the name
                errors = error_sentences(taken.errors)
    return _account_page(request, "register", form, errors)


def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        email, address = request.POST.get("email", ""), client_address(request)
        known = limits.login_allowed(email=email, address=address)  # the API's limits, shared
        if not form.is_valid():
            errors = form.error_messages_list()
        else:
            try:
                user = user_authenticate(**form.cleaned_data)
            except InvalidCredentials as refused:  # the failure keeps its slot
                errors = error_sentences(refused.errors)
            else:
                limits.login_succeeded(email=email, address=address, known=known)
                return _signed_in(request, user)
    return _account_page(request, "login", form, errors)


def _signed_in(request: HttpRequest, user: User) -> HttpResponse:
    """A new session for `user`, then back where the visitor was going (`next`) or home."""
    session_login(request, user, backend=SESSION_BACKEND)
    return redirect(_next_of(request) or "/")


def _account_page(request: HttpRequest, name: str, form: Any, errors: list[str]) -> HttpResponse:
    """The sign-up or sign-in page (`name`), with the form as sent and what was wrong with it."""
    context = {"form": form, "errors": errors, "nav": name, "next": _next_of(request)}
    return render(request, f"web/{name}.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    session_logout(request)  # deletes the session on the server, not only the cookie
    return redirect("/")


@signed_in
def settings_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {
        "image": user.image or "",
        "username": user.username,
        "bio": user.bio or "",
        "email": user.email,
    }
    form = SettingsForm(request.POST or None, initial=initial, user_id=user.pk)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                user = user_update(user=user, data=form.changes())
            except Conflict as taken:
                errors = error_sentences(taken.errors)
            else:
                # A new password ends every other session; this one carries on.
                update_session_auth_hash(request, user)
                return redirect(f"/profile/{quote(user.username)}")
        else:
            errors = form.error_messages_list()
    return render(request, "web/settings.html", {"form": form, "errors": errors, "nav": "settings"})


# --- Writing ---------------------------------------------------------------------------------


@signed_in
def editor(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    user = _user(request)
    existing = article_get_for_edit(slug=slug, user=user) if slug else None
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            if existing is None:
                article = article_create(author=user, **form.article_fields())
            else:
                article = article_update(
                    slug=existing["slug"], user=user, data=form.article_fields()
                )
            return redirect(f"/article/{quote(article.slug)}")
    elif existing is not None:
        fields = {
            "title": existing["title"],
            "description": existing["description"],
            "body": existing["body"],
        }
        form = ArticleForm(initial=fields, tag_list=existing["tag_list"])
    else:
        form = ArticleForm()
    context = {"form": form, "errors": form.error_messages_list() if form.is_bound else []}
    return render(request, "web/editor.html", {**context, "slug": slug, "nav": "editor"})


@require_POST
@signed_in
def article_delete_action(request: HttpRequest, slug: str) -> HttpResponse:
    article_delete(slug=slug, user=_user(request))
    return redirect("/")


@require_POST
@signed_in
def favorite_action(request: HttpRequest, slug: str, undo: bool = False) -> HttpResponse:
    (article_unfavorite if undo else article_favorite)(slug=slug, user=_user(request))
    return _back(request, f"/article/{quote(slug)}")


@require_POST
@signed_in
def follow_action(request: HttpRequest, username: str, undo: bool = False) -> HttpResponse:
    (profile_unfollow if undo else profile_follow)(follower=_user(request), username=username)
    return _back(request, f"/profile/{quote(username)}")


@require_POST
@signed_in
def comment_create_action(request: HttpRequest, slug: str) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_article(request, slug, form, status=422)
    comment_create(slug=slug, author=_user(request), body=form.cleaned_data["body"])
    return redirect(f"/article/{quote(slug)}")


@require_POST
@signed_in
def comment_delete_action(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    comment_delete(slug=slug, comment_id=comment_id, user=_user(request))
    return redirect(f"/article/{quote(slug)}")
