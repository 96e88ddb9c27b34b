"""Full-text search: the stored search vector the triggers keep (migration 0005), and
`GET /api/articles?search=` (an extension of the spec: ranked, combinable, validated)."""

import pytest
from django.db import connection

from realworld.articles.models import Article, ArticleTag, Tag
from realworld.articles.selectors import search_matches
from tests.support.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def slugs(api, query: str) -> list[str]:
    response = api.get(f"/api/articles?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["articlesCount"] >= len(body["articles"])
    return [article["slug"] for article in body["articles"]]


def lexemes(article: Article) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unnest(tsvector_to_array(search_vector)) FROM articles_article WHERE id = %s",
            [article.pk],
        )
        return {word for (word,) in cursor.fetchall()}


class TestTheVectorKeptByTheDatabase:
    def test_title_description_body_and_tags_are_in_it(self):
        article = ArticleFactory(
            title="Dragons", description="Taming", body="Volcanoes", tags=["wyverns"]
        )
        assert {"dragon", "tame", "volcano", "wyvern"} <= lexemes(article)

    def test_an_edit_and_a_tag_change_are_in_it_at_once(self, auth_client, user):
        created = auth_client.post(
            "/api/articles",
            {"article": {"title": "Alpha", "description": "d", "body": "b", "tagList": ["old"]}},
            format="json",
        ).json()["article"]
        article = Article.objects.get(slug=created["slug"])
        auth_client.put(
            f"/api/articles/{created['slug']}",
            {"article": {"title": "Omega", "tagList": ["new"]}},
            format="json",
        )
        found = lexemes(article)
        assert {"omega", "new"} <= found
        assert not {"alpha", "old"} & found

    def test_a_removed_tag_link_leaves_it(self):
        article = ArticleFactory(tags=["gone"])
        ArticleTag.objects.filter(article=article).delete()
        assert "gone" not in lexemes(article)

    def test_a_raw_update_is_kept_too(self):
        article = ArticleFactory(body="plain")
        Article.objects.filter(pk=article.pk).update(body="quantum")
        assert "quantum" in lexemes(article)
        assert "plain" not in lexemes(article)


class TestSearchParameter:
    def test_finds_by_any_field_and_leaves_the_rest_out(self, api_client):
        by_title = ArticleFactory(title="Kubernetes canaries")
        by_tag = ArticleFactory(tags=["kubernetes"])
        by_body = ArticleFactory(body="We run Kubernetes at home")
        ArticleFactory(title="Gardening")
        found = slugs(api_client, "search=kubernetes")
        assert sorted(found) == sorted([by_title.slug, by_tag.slug, by_body.slug])

    def test_best_match_first_then_most_recent(self, api_client):
        in_body = ArticleFactory(body="postgres")
        in_title = ArticleFactory(title="postgres")
        older_in_body = ArticleFactory(body="postgres")
        Article.objects.filter(pk=older_in_body.pk).update(created_at=in_body.created_at)
        assert slugs(api_client, "search=postgres")[0] == in_title.slug
        newer, older = (
            (in_body, older_in_body)
            if in_body.pk > older_in_body.pk
            else (
                older_in_body,
                in_body,
            )
        )
        assert slugs(api_client, "search=postgres")[1:] == [newer.slug, older.slug]

    def test_stems_words(self, api_client):
        article = ArticleFactory(title="Running dragons")
        assert slugs(api_client, "search=run+dragon") == [article.slug]

    def test_web_search_syntax(self, api_client):
        phrase = ArticleFactory(body="the read cache is fast")
        apart = ArticleFactory(body="a cache apart from the read")
        assert slugs(api_client, "search=%22read+cache%22") == [phrase.slug]
        assert slugs(api_client, "search=cache+-fast") == [apart.slug]
        assert sorted(slugs(api_client, "search=fast+or+apart")) == sorted(
            [phrase.slug, apart.slug]
        )

    def test_combines_with_the_other_filters_and_counts_exactly(self, api_client):
        ArticleFactory(title="Rust", tags=["lang"])
        tagged = ArticleFactory(title="Rust", tags=["lang", "systems"])
        body = api_client.get("/api/articles?search=rust&tag=systems").json()
        assert [a["slug"] for a in body["articles"]] == [tagged.slug]
        assert body["articlesCount"] == 1
        assert api_client.get("/api/articles?search=rust&limit=1").json()["articlesCount"] == 2

    @pytest.mark.parametrize(
        ("window", "shown"), [("limit=2", 2), ("limit=2&offset=2", 1), ("offset=9", 0)]
    )
    def test_the_count_is_every_match_on_any_page(self, api_client, window, shown):
        for _ in range(3):
            ArticleFactory(title="Counted")
        ArticleFactory(title="Other")
        body = api_client.get(f"/api/articles?search=counted&{window}").json()
        assert (len(body["articles"]), body["articlesCount"]) == (shown, 3)
        assert all(set(article) == set(body["articles"][0]) for article in body["articles"])
        assert "_matches" not in str(body)

    @pytest.mark.parametrize(
        "query",
        [
            "search=the",
            "search=%26%7C%21",
            "search=nothing-here",
            "search=-something",
            "search=-x+-y",
        ],
    )
    def test_no_match_is_an_empty_page(self, api_client, query):
        ArticleFactory(title="Something")
        assert api_client.get(f"/api/articles?{query}").json() == {
            "articles": [],
            "articlesCount": 0,
        }

    @pytest.mark.parametrize(
        ("query", "error"),
        [
            ("search=" + "x" * 201, "is too long (maximum is 200 characters)"),
            ("search=%20", "can't be blank"),
            ("search=%00", "is invalid"),
        ],
    )
    def test_bad_searches_are_the_specs_422(self, api_client, query, error):
        response = api_client.get(f"/api/articles?{query}")
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert list(errors) == ["search"]
        assert error in errors["search"]

    def test_without_it_the_list_is_as_before(self, api_client):
        first, second = ArticleFactory(), ArticleFactory()
        assert slugs(api_client, "") == [second.slug, first.slug]

    def test_documented_in_the_schema(self, api_client):
        schema = api_client.get("/api/schema", HTTP_ACCEPT="application/json").json()
        parameters = schema["paths"]["/api/articles"]["get"]["parameters"]
        search = next(p for p in parameters if p["name"] == "search")
        assert search["in"] == "query"
        assert "Extension" in search["description"]


class TestWhereItMatched:
    def test_matched_words_are_marked_and_the_text_kept(self):
        article = ArticleFactory(
            title="Caching <b>pages</b>", description="Why caches help", body="Nothing"
        )
        match = search_matches(search="cache", article_ids=[article.pk])[article.pk]
        assert "".join(e.text for e in match["title"]) == "Caching <b>pages</b>"
        assert [e.text for e in match["title"] if e.matched] == ["Caching"]
        assert [e.text for e in match["description"] if e.matched] == ["caches"]
        assert match["body"] == []  # no match in the body: no excerpt

    def test_a_body_excerpt_around_the_match(self):
        words = " ".join(f"word{i}" for i in range(200))
        article = ArticleFactory(body=f"{words} needle {words}")
        match = search_matches(search="needle", article_ids=[article.pk])[article.pk]
        assert [e.text for e in match["body"] if e.matched] == ["needle"]
        assert len("".join(e.text for e in match["body"]).split()) < 60

    def test_the_marker_characters_in_a_text_cannot_forge_a_match(self):
        article = ArticleFactory(title="a \ue000fake\ue001 b cache")
        match = search_matches(search="cache", article_ids=[article.pk])[article.pk]
        assert [e.text for e in match["title"] if e.matched] == ["cache"]
        assert Tag.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_tag_link_write_and_an_article_edit_take_their_locks_in_one_order():
    """One transaction holds the article (an edit) while another writes a tag link of it; then
    the first writes a tag link too. The link's triggers lock the article before the counters
    (migration 0005's trigger names), so the second waits on the article holding nothing the
    first needs: no deadlock. With the counters locked first, PostgreSQL aborts one of them."""
    import threading
    import time

    import psycopg

    from tests.support.databases import url_from_settings

    article = ArticleFactory(tags=["a"])
    second_tag, third_tag = Tag.objects.create(name="b"), Tag.objects.create(name="c")
    url = url_from_settings(connection.settings_dict)
    link = "INSERT INTO articles_articletag (article_id, tag_id) VALUES (%s, %s)"
    errors: list[BaseException] = []
    with psycopg.connect(url) as editor, psycopg.connect(url) as tagger:
        editor.execute("UPDATE articles_article SET title = 'Edited' WHERE id = %s", [article.pk])
        tagger_pid = tagger.info.backend_pid

        def add_tag() -> None:
            try:
                tagger.execute(link, [article.pk, second_tag.pk])
                tagger.commit()
            except BaseException as error:
                errors.append(error)

        thread = threading.Thread(target=add_tag)
        thread.start()
        with psycopg.connect(url, autocommit=True) as watcher:
            for _ in range(100):  # until the tagger waits for a lock
                waiting = watcher.execute(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                    [tagger_pid],
                ).fetchone()
                if waiting and waiting[0]:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("the tag link's write never waited for the article")
        editor.execute(link, [article.pk, third_tag.pk])
        editor.commit()
        thread.join(timeout=10)
    assert errors == []
    assert {"edit", "b", "c"} <= lexemes(article)
