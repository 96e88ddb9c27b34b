"""The documented schema (/api/schema) is the real response: every article, list and tags
body the API sends validates against it with no property undocumented and none missing, so
the schema cannot drift from the row declaration it is derived from (selectors.ArticleRow)."""

from typing import Any

import jsonschema
import pytest

from tests.support.factories import ArticleFactory, CommentFactory, FavoriteFactory

pytestmark = pytest.mark.django_db


def strict(node: Any, components: dict[str, Any]) -> Any:
    """The schema with every $ref inlined, OpenAPI 3.0's `nullable` as JSON Schema's null type,
    and no property beyond the documented ones (additionalProperties false)."""
    if isinstance(node, list):
        return [strict(each, components) for each in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return strict(components[node["$ref"].rsplit("/", 1)[1]], components)
    schema = {key: strict(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        schema["type"] = [node["type"], "null"]
    if schema.get("type") == "object" and "properties" in schema:
        schema["additionalProperties"] = False
    return schema


def response_schema(document: dict[str, Any], path: str, method: str, status: str) -> Any:
    content = document["paths"][path][method]["responses"][status]["content"]
    return strict(content["application/json"]["schema"], document["components"]["schemas"])


def test_article_bodies_are_exactly_the_documented_ones(api_client, auth_client, user):
    document = api_client.get("/api/schema", HTTP_ACCEPT="application/json").json()
    article = ArticleFactory(tags=["b", "a"], body="The body")
    FavoriteFactory(article=article, user=user)
    CommentFactory(article=article)
    article.author.bio, article.author.image = "", None
    article.author.save()
    cases = [
        ("/api/articles/{slug}", f"/api/articles/{article.slug}", "get", "200"),
        ("/api/articles", "/api/articles", "get", "200"),
        ("/api/articles/feed", "/api/articles/feed", "get", "200"),
        ("/api/tags", "/api/tags", "get", "200"),
    ]
    for documented, path, method, status in cases:
        schema = response_schema(document, documented, method, status)
        for client in (api_client, auth_client):
            response = client.get(path)
            if response.status_code == 401:
                continue  # the feed is for signed-in readers
            assert response.status_code == int(status), (path, response.content)
            jsonschema.validate(response.json(), schema)  # raises on any difference
    body = api_client.get(f"/api/articles/{article.slug}").json()["article"]
    documented = response_schema(document, "/api/articles/{slug}", "get", "200")
    assert set(body) == set(documented["properties"]["article"]["properties"])
    assert "body" in body
    listed = api_client.get("/api/articles").json()["articles"][0]
    assert "body" not in listed  # list items omit the body (spec 2.0.0)


def test_an_undocumented_property_would_fail(api_client, db):
    """The check above can fail: a body with one property more does not validate."""
    document = api_client.get("/api/schema", HTTP_ACCEPT="application/json").json()
    schema = response_schema(document, "/api/tags", "get", "200")
    jsonschema.validate({"tags": ["a"]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tags": ["a"], "extra": 1}, schema)
