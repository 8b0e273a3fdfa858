"""Which network addresses Shopreel may fetch from, decided without any I/O.

Product URLs are typed by users and fetched by our servers, so a URL is an SSRF vector: it
could point at the cloud metadata service, a database on the private network or the server
itself. This module answers one question - "may we connect to this address?" - for literal
addresses, odd spellings of them and resolved DNS answers. ``core.fetch`` calls it twice: on the
URL before the request (clear error, no network) and inside the connection backend on the
exact address the socket is opened to (so DNS rebinding cannot slip past the check).
"""

from __future__ import annotations

import ipaddress
import re

from core.errors import BlockedURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PRIVATE_MESSAGE = "That address points inside a private network, so Shopreel won't fetch it."
LOOPBACK_MESSAGE = "That address points at the Shopreel server itself, so Shopreel won't fetch it."
METADATA_MESSAGE = (
    "That address is a cloud provider's internal metadata service, so Shopreel won't fetch it."
)
SPECIAL_MESSAGE = "That address is not a public internet address, so Shopreel won't fetch it."

# Cloud metadata endpoints: AWS/GCP/Azure/OpenStack (IPv4), AWS (IPv6), Alibaba, Oracle.
# Most sit inside ranges refused anyway; naming them gives a clearer message and survives
# any future loosening of the range rules.
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
              "192.0.0.192")
)
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data"})

# Ranges that embed an IPv4 address inside IPv6: the embedded address is what a NAT64 / 6to4
# gateway would actually reach, so it is checked too.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")

_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


def parse_loose_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read ``host`` the way ``inet_aton`` (and so most resolvers) would, or return ``None``.

    Accepts every historical spelling: ``2130706433`` (one 32-bit number), ``0177.0.0.1``
    (octal), ``0x7f000001`` / ``0x7f.0.0.1`` (hex), ``127.1`` (short forms where the last part
    fills the remaining bytes) and a trailing dot. A host that looks numeric but overflows is
    refused rather than guessed at, because resolvers disagree about such names.
    """
    if not _NUMERIC_HOST.match(host):
        return None
    parts = host.rstrip(".").split(".")
    values: list[int] = []
    for part in parts:
        low = part.lower()
        if low.startswith("0x"):
            value = int(low[2:] or "0", 16)
        elif len(low) > 1 and low.startswith("0"):
            if not all(c in "01234567" for c in low):
                raise BlockedURL("That address is not a valid internet address.")
            value = int(low, 8)
        else:
            value = int(low)
        values.append(value)
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise BlockedURL("That address is not a valid internet address.")
    number = 0
    for v in head:
        number = number * 256 + v
    number = number * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> IPAddress | None:
    """The IP address a URL host spells, in any notation, or ``None`` for a DNS name."""
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])  # drop a zone id (fe80::1%eth0)
        except ValueError:
            raise BlockedURL("That address is not a valid internet address.") from None
    return parse_loose_ipv4(host)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible form ::a.b.c.d
        return ipaddress.IPv4Address(int(ip))
    return None


def check_address(ip: IPAddress) -> None:
    """Raise :class:`BlockedURL` unless ``ip`` is an ordinary public unicast address."""
    if ip in _METADATA:
        raise BlockedURL(METADATA_MESSAGE)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            check_address(inner)
            if ip.ipv4_mapped is not None or int(ip) >> 32 == 0:
                return  # the mapped IPv4 address is the whole story
    if ip.is_loopback:
        raise BlockedURL(LOOPBACK_MESSAGE)
    if ip.is_unspecified:
        raise BlockedURL(LOOPBACK_MESSAGE)  # 0.0.0.0 and :: reach the local host on Linux
    if ip.is_private or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED):
        raise BlockedURL(PRIVATE_MESSAGE)
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        raise BlockedURL(PRIVATE_MESSAGE)
    if ip.is_link_local or ip.is_multicast or ip.is_reserved or not ip.is_global:
        raise BlockedURL(SPECIAL_MESSAGE)


def check_host_name(host: str) -> None:
    """Refuse names that always mean this machine or the metadata service, before any DNS."""
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        raise BlockedURL(LOOPBACK_MESSAGE)
    if name in _METADATA_NAMES:
        raise BlockedURL(METADATA_MESSAGE)
