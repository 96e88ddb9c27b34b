"""Abuse limits for login and registration: per client IP and per account (the email).

Counters live in the default cache (Redis when REDIS_URL is set, else the database cache), so
the limits hold across workers and pods. Rates come from settings.THROTTLE_RATES (env
THROTTLE_*_RATE) and are read per request, so tests can change them. A throttled request is a
429 in the RealWorld error format with `Retry-After` (see common/exception_handler.py).
"""

import hashlib
import logging
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

try:  # only used when REDIS_URL is set
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[assignment,misc]


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES[str(self.scope)]

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError:
            # Fail open: an unreachable Redis must not take logins down with it.
            logger.warning("throttle cache unavailable; %s not enforced", self.scope)
            return True


class _PerIpThrottle(_SettingsRateThrottle):
    """Keyed by the client address (X-Forwarded-For only behind TRUSTED_PROXY_COUNT proxies)."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _PerAccountThrottle(_SettingsRateThrottle):
    """Keyed by the email in the request body, whichever address the attempts come from."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        data = request.data  # a malformed body is a 400 here, before any work is done
        user = data.get("user") if isinstance(data, dict) else None
        email = user.get("email") if isinstance(user, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None  # nothing to key on: validation answers 422
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class LoginIpThrottle(_PerIpThrottle):
    scope = "login_ip"


class LoginAccountThrottle(_PerAccountThrottle):
    scope = "login_account"


class RegisterIpThrottle(_PerIpThrottle):
    scope = "register_ip"


class RegisterAccountThrottle(_PerAccountThrottle):
    scope = "register_account"
