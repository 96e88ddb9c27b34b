"""Under the test settings a template that names a variable its context lacks fails loudly
(settings_test.MissingTemplateVariable), so a field left out of a row or a fragment's data
cannot render as a blank byline unnoticed."""

import pytest
from django.template import engines


def test_a_missing_variable_fails_the_render():
    template = engines["django"].from_string("<p>{{ article.reading_minutes }} min</p>")
    with pytest.raises(AssertionError, match="reading_minutes"):
        template.render({"article": {"title": "A title"}})
    assert template.render({"article": {"reading_minutes": 3}}) == "<p>3 min</p>"


def test_conditions_and_loops_still_treat_a_missing_variable_as_empty():
    template = engines["django"].from_string(
        "{% if article.missing %}yes{% endif %}{% for tag in article.tags %}{{ tag }}{% endfor %}"
    )
    assert template.render({"article": {}}) == ""
