"""Which proxies may name the client, and the client they name: plain Python, no Django.

``KINDRED_TRUSTED_PROXIES`` lists the addresses or networks our proxies connect to the app from
(``10.0.0.2``, ``172.31.250.1``, ``10.0.0.0/24``, ``fd00::/64``); empty when the app faces the
internet. A proxy appends the address it received the request from to X-Forwarded-For, so the
header is read from the right: while the hop is one of ours, the entry before it is what that
proxy saw. The client is the first hop that is not ours. Anything left of it was written by the
client and is never read. A peer that is not one of our proxies wrote the whole header itself, so
it is not read at all: the client is the peer. This is Rails' trusted proxies and uvicorn's
``forwarded_allow_ips``.

Settings (``config/settings/production.py``), the system check (``core/checks.py``) and
``core/client.py`` share ``trusted_networks``, so a list is refused the same way everywhere.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "KINDRED_TRUSTED_PROXIES"


def trusted_networks(entries: Iterable[str] | str) -> tuple[Network, ...]:
    """The networks of ``entries`` (addresses, networks, or a comma-separated string of them).

    Raises ``ValueError`` with the reason for an entry that is not an address or a network,
    for a bare number (the setting used to count proxies) and for a network written with host
    bits (``10.0.0.5/24``: which one was meant?).
    """
    if isinstance(entries, str):
        entries = entries.split(",")
    networks = []
    for entry in entries:
        text = str(entry).strip()
        if not text:
            continue
        if text.isdigit():
            raise ValueError(
                f"{SETTING} lists the addresses or networks our proxies connect from, not how many "
                f"proxies there are: {text!r} is a count. Name the proxy's address instead "
                f"(e.g. {SETTING}=10.0.0.2, or 172.31.250.1 under docker-compose.yml), or leave "
                "it empty when the app faces the internet (docs/operations.md, "
                '"Security: deploying behind a proxy").'
            )
        try:
            networks.append(ipaddress.ip_network(text))
        except ValueError as error:
            raise ValueError(
                f"{SETTING}: {text!r} is not an IP address or network ({error})."
            ) from None
    return tuple(networks)


def covers_everything(network: Network) -> bool:
    """Whether ``network`` holds every address of its family (0.0.0.0/0, ::/0): anyone could
    then name their own address."""
    return network.prefixlen == 0


def parse_address(text: str) -> Address | None:
    """The address in one X-Forwarded-For entry or REMOTE_ADDR, or None.

    Accepts what proxies write: ``198.51.100.1``, ``2001:db8::1``, and with a port,
    ``198.51.100.1:443`` or ``[2001:db8::1]:443``. An IPv4 address mapped into IPv6
    (``::ffff:198.51.100.1``, a dual-stack socket) is the IPv4 address.
    """
    text = text.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        text = host
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
        if not port.isdigit():
            return None
        text = host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def forwarded_client(remote: str, forwarded: str, networks: Sequence[Network]) -> str:
    """The client of a request from peer ``remote`` with X-Forwarded-For ``forwarded``.

    - The peer is not one of ``networks``: the peer (the header is its own; it is not read).
    - Walking the header from the right, the first entry that is not one of ``networks``.
    - An entry that is not an address (``unknown``, a name) stops the walk: the proxy of ours
      that wrote it is the nearest address we can vouch for, and the client is counted under it.
      Skipping it would trust whatever lies further left, which no proxy of ours vouched for.
    - Every entry is ours (a health check sent through the proxies): the furthest of them.
    Empty entries (``a,,b``) say nothing and are skipped.
    """
    peer = parse_address(remote)
    if peer is None:
        return remote  # not an IP peer (a Unix socket): nothing better to go on
    if not _is_trusted(peer, networks):
        return str(peer)
    nearest = peer
    for entry in reversed(forwarded.split(",")):
        if not entry.strip():
            continue
        hop = parse_address(entry)
        if hop is None:
            return str(nearest)
        if not _is_trusted(hop, networks):
            return str(hop)
        nearest = hop
    return str(nearest)
