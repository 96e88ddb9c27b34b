"""The client's address as the app should see it, for per-address limits.

REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT proxies, the X-Forwarded-For entry the nearest of
them added (0, the default, ignores the header: a client can forge it). Same rule as DRF's
NUM_PROXIES rule, for the API and the web app alike.
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote
