"""The client's address, seen through the proxies we trust.

Behind a TLS proxy every request comes from the proxy's address, so limits keyed on REMOTE_ADDR
would treat every person as one. Each proxy appends the address it received the request from to
X-Forwarded-For. The header is read only when the peer is one of our proxies
(``KINDRED_TRUSTED_PROXIES``: their addresses or networks), from the right, past every hop of
ours: the client is the first address that is not ours (core/proxies.py). A client that reaches
the app without passing a proxy, whatever it writes in the header, is counted where it connected
from. With the list empty (the app faces the internet), X-Forwarded-For is never read.

Every rate limit and the log-in lockout key on ``client_address`` (allauth's too: the account
adapter asks here), and ``client_key`` for counting: IPv6 clients are counted by their /64, since
one household or host holds a whole /64.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from core.proxies import Network, forwarded_client, trusted_networks


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return trusted_networks(entries)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None


def configured_networks() -> tuple[Network, ...]:
    """The networks of ``settings.KINDRED_TRUSTED_PROXIES`` (a list, or one comma-separated
    string); ImproperlyConfigured if one is not an address or network."""
    value = getattr(settings, "KINDRED_TRUSTED_PROXIES", ()) or ()
    if isinstance(value, str | int):
        entries = str(value).split(",")  # a count (the old meaning) is refused by name
    else:
        entries = [str(entry) for entry in value]
    return _networks(tuple(entries))


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as our proxies saw it."""
    return forwarded_client(
        request.META.get("REMOTE_ADDR", "") or "",
        request.META.get("HTTP_X_FORWARDED_FOR", "") or "",
        configured_networks(),
    )


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
