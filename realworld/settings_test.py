"""Settings for the test suite: production settings plus a test secret and a fast hasher."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")

from realworld.settings import *  # noqa: F403

# Argon2 is deliberately slow; the tests that check the production hasher override this.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Test traffic comes from one address and reuses accounts: no accidental 429s. The throttling
# tests set their own rates.
THROTTLE_RATES = dict.fromkeys(THROTTLE_RATES, "1000000/min")  # noqa: F405


class MissingTemplateVariable(str):
    """string_if_invalid for the tests: a template that names a variable its context lacks
    ({{ article.readingMinutes }} when the row has no such field) fails the test instead of
    rendering an empty string. `{% if %}` and `{% for %}` still see a missing variable as
    empty, as in production."""

    def __mod__(self, name: object) -> str:
        raise AssertionError(f"template variable {name!r} is missing from the context")


# "%s": Django formats the missing variable's name in, which is where this raises.
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = MissingTemplateVariable("%s")  # type: ignore[index]  # noqa: F405
