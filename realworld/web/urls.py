"""The routes of the official frontend contract (SELECTORS.md), plus the form actions."""

from django.urls import path

from realworld.web import syndication, views

urlpatterns = [
    path("", views.home, name="home"),
    path("tag/<str:tag>", views.home, name="tag"),
    path("search", views.search, name="search"),
    path("login", views.login, name="login"),
    path("register", views.register, name="register"),
    path("logout", views.logout, name="logout"),
    path("settings", views.settings_page, name="settings"),
    path("editor", views.editor, name="editor"),
    path("editor/<str:slug>", views.editor, name="editor-edit"),
    path("article/<str:slug>", views.article_page, name="article"),
    path("article/<str:slug>/delete", views.article_delete_action),
    path("article/<str:slug>/favorite", views.favorite_action),
    path("article/<str:slug>/unfavorite", views.favorite_action, {"undo": True}),
    path("article/<str:slug>/comments", views.comment_create_action),
    path("article/<str:slug>/comments/<int:comment_id>/delete", views.comment_delete_action),
    path("profile/<str:username>", views.profile_page, name="profile"),
    path("profile/<str:username>/favorites", views.profile_page, {"favorites": True}),
    path("profile/<str:username>/follow", views.follow_action),
    path("profile/<str:username>/unfollow", views.follow_action, {"undo": True}),
    # For programs: Atom feeds, the sitemap, robots.txt (web/syndication.py).
    path("atom.xml", syndication.global_feed, name="feed"),
    path("tag/<str:tag>/atom.xml", syndication.tag_feed, name="tag-feed"),
    path("profile/<str:username>/atom.xml", syndication.author_feed, name="author-feed"),
    path("sitemap.xml", syndication.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", syndication.sitemap_section, name="sitemap-section"),
    path("robots.txt", syndication.robots_txt, name="robots"),
]
