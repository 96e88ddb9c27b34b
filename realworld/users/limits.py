"""Brute-force limits on sign-in and registration, the same for the API and the web app.

* Per address: every sign-in attempt counts (THROTTLE_LOGIN_IP_RATE, 60/min), and every
  registration (THROTTLE_REGISTER_IP_RATE, 30/min). Checked first: once an address is refused,
  nothing else is counted for it.
* Per account: only *failed* sign-ins count (THROTTLE_LOGIN_ACCOUNT_RATE, 10/min). An
  attempt takes a slot before the password is checked (atomically, so a concurrent burst
  cannot overshoot) and a correct password gives it back. Over the limit, the account refuses
  every address except those it was signed in from before (kept 30 days): an attacker guessing
  from elsewhere cannot lock its owner out, and spreading the guesses over many addresses gains
  nothing. The trade-off: during an attack, the owner on a new address waits for the window
  (one minute) like the attacker.
* Registrations per email (THROTTLE_REGISTER_ACCOUNT_RATE, 10/min).

An IPv6 client is counted by its /64, not its full address: a host is normally given a whole
/64 and can pick a fresh address in it for every attempt. IPv4 (and IPv4-mapped) addresses
count as they are.
"""

import ipaddress

from realworld.common import ratelimit

KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600


def _client(address: str) -> str:
    """What a client is counted as: its IPv6 /64, or its address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address  # not an address (a unix socket, a test client): as given
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _pair(email: str, address: str) -> str:
    return f"{email.strip().lower()}|{_client(address)}"


def _known(email: str, address: str) -> bool:
    return ratelimit.remembered("login_known", _pair(email, address))


def login_allowed(*, email: str, address: str) -> bool:
    """Raises RateLimited when this attempt must not even be checked; else whether the address
    is a known one of the account (pass it to login_succeeded)."""
    ratelimit.hit("login_ip", _client(address))
    known = bool(email.strip()) and _known(email, address)
    if email.strip() and not known:
        ratelimit.hit("login_account", email)
    return known


def login_succeeded(*, email: str, address: str, known: bool) -> None:
    if not known:  # give back the slot login_allowed took
        ratelimit.release("login_account", email)
    ratelimit.remember("login_known", _pair(email, address), seconds=KNOWN_ADDRESS_SECONDS)


def registration_allowed(*, email: str, address: str) -> None:
    ratelimit.hit("register_ip", _client(address))
    if email.strip():
        ratelimit.hit("register_account", email)
