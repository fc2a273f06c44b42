"""The client's address, seen through the proxies we trust.

Behind a TLS proxy every request comes from the proxy's address, so limits keyed on REMOTE_ADDR
would treat every person as one. Each proxy appends the address it received the request from to
X-Forwarded-For; with ``KINDRED_TRUSTED_PROXIES`` = N proxies of ours in front of the app, the
client is the N-th address from the right. Anything further left was written by the client and is
not trusted. With 0 (the app faces the internet), X-Forwarded-For is ignored.

Every rate limit and the log-in lockout key on ``client_address`` (allauth's too: the account
adapter asks here), and ``client_key`` for counting: IPv6 clients are counted by their /64, since
one household or host holds a whole /64.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as the trusted proxies saw it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "KINDRED_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) >= proxies:
        found = _valid(forwarded[-proxies])
        if found is not None:
            return found
    # A request that did not pass every proxy of ours (a health check on the inside, say): the
    # nearest address that is not spoofable is the one that connected.
    return remote


def client_key(request: HttpRequest) -> str:
    """``client_address``, with an IPv6 address cut to its /64: what limits count per client."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return address
