"""Errors of the domain layer: what went wrong, in words a client can act on, and no HTTP.

Services and selectors raise these; each interface translates them once: the API in
`common/api_exception_handler.py` (status code + the RealWorld error body), the web app in
`web/errors.py` (a page or a form error). The messages follow the RealWorld spec's style
(`realworld/common/messages.py`).
"""

from realworld.common import messages

# {"email": ["has already been taken"], ...}: the shape of every error, keyed by what it is about.
Messages = dict[str, list[str]]


class ApplicationError(Exception):
    def __init__(self, errors: Messages) -> None:
        super().__init__(errors)
        self.errors = errors


class NotFound(ApplicationError):
    """The resource (an article, a profile, a comment) does not exist."""

    def __init__(self, resource: str) -> None:
        super().__init__({resource: [messages.NOT_FOUND]})
        self.resource = resource


class Forbidden(ApplicationError):
    """The resource exists but belongs to someone else."""

    def __init__(self, resource: str) -> None:
        super().__init__({resource: [messages.FORBIDDEN]})
        self.resource = resource


class Invalid(ApplicationError):
    """Input that passed the shape checks but breaks a rule of the domain."""


class Conflict(ApplicationError):
    """The input collides with what exists (a username or an email already taken)."""


class InvalidCredentials(ApplicationError):
    def __init__(self) -> None:
        super().__init__({"credentials": [messages.CREDENTIALS_INVALID]})


class TokenRevoked(ApplicationError):
    """The token a change was asked with was revoked by another change meanwhile."""

    def __init__(self) -> None:
        super().__init__({"token": [messages.TOKEN_REVOKED]})
