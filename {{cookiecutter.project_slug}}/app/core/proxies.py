"""The client's address, behind the proxies listed in TRUSTED_PROXIES."""

import ipaddress
from collections.abc import Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str:
    """The socket peer; behind trusted proxies, the last X-Forwarded-For hop they did not add.

    Hops are read right to left, as each proxy appends the address it saw: anything left of
    the first untrusted hop was written by the client and is ignored.
    """
    if peer is None:
        return "unknown"
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    current = peer
    for hop in [peer, *reversed(hops)]:
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return current
        current = str(address)
        if not any(address in network for network in trusted):
            return current
    return current
