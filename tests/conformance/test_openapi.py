"""The project's own OpenAPI schema (/api/schema) agrees with the official spec 2.0.0."""

import json

import pytest
import yaml

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "delete")


@pytest.fixture(scope="module")
def official(spec_dir) -> dict:
    return yaml.safe_load((spec_dir / "openapi.yml").read_text())


@pytest.fixture
def ours(client) -> dict:
    response = client.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema: dict, prefix: str = "") -> dict[str, dict]:
    found = {}
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                found[item[method]["operationId"]] = {
                    "route": f"{method.upper()} {path.removeprefix(prefix)}",
                    "codes": set(item[method]["responses"]),
                    "operation": item[method],
                }
    return found


def test_the_schema_claims_spec_2_0_0(ours, official):
    assert official["info"]["version"] == "2.0.0"
    assert ours["info"]["version"] == "2.0.0"


def test_every_official_operation_exists_with_its_status_codes(ours, official):
    theirs = operations(official)
    mine = operations(ours, prefix="/api")
    assert set(mine) == set(theirs)
    for operation_id, spec in theirs.items():
        route = spec["route"].replace("{id}", "{comment_id}")
        assert mine[operation_id]["route"] == route, operation_id
        missing = spec["codes"] - mine[operation_id]["codes"]
        assert not missing, f"{operation_id} does not document {sorted(missing)}"


def test_success_codes_are_the_spec_ones(ours, official):
    mine = operations(ours, prefix="/api")
    for operation_id, spec in operations(official).items():
        success = {code for code in spec["codes"] if code.startswith("2")}
        assert {c for c in mine[operation_id]["codes"] if c.startswith("2")} == success


def test_error_responses_carry_real_examples_not_placeholders(ours):
    text = json.dumps(ours)
    assert "additionalProp1" not in text
    for operation_id, found in operations(ours, prefix="/api").items():
        for code, response in found["operation"]["responses"].items():
            if code.startswith(("4", "5")):
                examples = response["content"]["application/json"]["examples"]
                assert examples, f"{operation_id} {code} has no example"
                for example in examples.values():
                    errors = example["value"]["errors"]
                    assert errors
                    for found in errors.values():
                        assert isinstance(found, list)
                        assert all(isinstance(message, str) for message in found)


@pytest.mark.parametrize(
    ("operation_id", "code", "body"),
    [
        ("GetCurrentUser", "401", {"token": ["is missing"]}),
        ("CreateUser", "409", {"username": ["has already been taken"]}),
        ("Login", "401", {"credentials": ["invalid"]}),
        ("GetArticle", "404", {"article": ["not found"]}),
        ("UpdateArticle", "403", {"article": ["forbidden"]}),
        ("GetProfileByUsername", "404", {"profile": ["not found"]}),
        ("DeleteArticleComment", "403", {"comment": ["forbidden"]}),
    ],
)
def test_examples_are_the_bodies_the_api_sends(ours, operation_id, code, body):
    responses = operations(ours, prefix="/api")[operation_id]["operation"]["responses"]
    examples = responses[code]["content"]["application/json"]["examples"].values()
    assert {"errors": body} in [example["value"] for example in examples]


def test_the_token_scheme_is_described(ours):
    scheme = ours["components"]["securitySchemes"]["Token"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    assert "Token " in scheme["description"]
