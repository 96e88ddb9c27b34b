"""Error tracking with Sentry, on only when SENTRY_DSN is set (settings.py calls `init`).

Unhandled exceptions in views and ERROR log lines become Sentry events, tagged with the
release (the image's version), the environment and the request id, so an event leads to
the request's log lines. Nothing personal leaves: no user emails or addresses, no request
bodies (they carry passwords), no local variables of the stack frames, and Sentry's scrubber
blanks Authorization and cookies.

Local variables are off because frames hold secrets under names no scrubber knows: the JWT
as `header` and `raw` while a token is checked, the password inside the login service's
arguments, a serializer's repr or a validated `data` dict. Sentry's scrubber blanks variables
by name and does not look inside nested values (tests/http/test_error_tracking.py).
"""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

REQUEST_ID_TAG = "request_id"


def init(*, dsn: str, release: str, environment: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        release=release,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0,  # errors only: no performance traces
    )


def tag_request(request_id: str) -> None:
    """Tags the events of the current request (Sentry keeps one scope per request)."""
    if sentry_sdk.is_initialized():
        sentry_sdk.set_tag(REQUEST_ID_TAG, request_id)
