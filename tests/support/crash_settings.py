"""Production settings plus one view that raises (tests.support.crash_urls): a real
unhandled error for the error-tracking test, served by gunicorn like any other request."""

from realworld.settings import *  # noqa: F403

ROOT_URLCONF = "tests.support.crash_urls"
