"""Hostile-URL suite for SafeFetcher: each SSRF rule, redirects, limits and errors."""

from __future__ import annotations

import time

import pytest

from core import netguard
from core.fetch import IMAGE_TYPES, SafeFetcher, check_url
from products.scraping.types import BlockedURL, FetchFailed
from tests.servers import trickling_server


def _fetcher(base: str, **kwargs) -> SafeFetcher:
    host_port = base.split("://", 1)[1]
    return SafeFetcher(allow_hosts=frozenset({host_port}), **kwargs)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file",
        "gopher://example.com:70/_stats",
        "javascript:alert(1)",
        "data:text/html,<h1>x</h1>",
        "//example.com/no-scheme",
    ],
)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(BlockedURL, match="http:// or https://"):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://user:pass@example.com/", "https://user@example.com/", "http://:pw@example.com/",
     "http://example.com@127.0.0.1/"],
)
def test_credentials_refused(url: str) -> None:
    with pytest.raises(BlockedURL, match="user name or password"):
        check_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "server itself"),
        ("http://127.8.9.10:8080/", "server itself"),
        ("http://localhost/", "server itself"),
        ("http://LOCALHOST./", "server itself"),
        ("http://shop.localhost/", "server itself"),
        ("http://[::1]/", "server itself"),
        ("http://0.0.0.0/", "server itself"),
        ("http://[::]/", "server itself"),
        ("http://10.0.0.5/", "private network"),
        ("http://172.16.0.1/", "private network"),
        ("http://172.31.255.255/", "private network"),
        ("http://192.168.1.1/", "private network"),
        ("http://100.64.0.1/", "private network"),  # carrier-grade NAT (shared)
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://metadata.google.internal/", "metadata"),
        ("http://169.254.1.1/", "private network"),  # link-local
        ("http://[fe80::1]/", "private network"),
        ("http://[fc00::1]/", "private network"),
        ("http://224.0.0.1/", "not a public"),  # multicast
        ("http://[ff02::1]/", "not a public"),
        ("http://240.0.0.1/", "private network"),  # reserved
        ("http://255.255.255.255/", "private network"),
        # odd spellings a resolver turns into 127.0.0.1 / 169.254.169.254
        ("http://2130706433/", "server itself"),
        ("http://0177.0.0.1/", "server itself"),
        ("http://0x7f000001/", "server itself"),
        ("http://0x7f.0.0.1/", "server itself"),
        ("http://127.1/", "server itself"),
        ("http://127.0.1/", "server itself"),
        ("http://0/", "server itself"),
        ("http://2852039166/", "metadata"),
        ("http://0xa9fea9fe/", "metadata"),
        ("http://0251.0376.0251.0376/", "metadata"),
        # IPv6 that embeds a private IPv4 address
        ("http://[::ffff:127.0.0.1]/", "server itself"),
        ("http://[::ffff:7f00:1]/", "server itself"),
        ("http://[::ffff:169.254.169.254]/", "metadata"),
        ("http://[::127.0.0.1]/", "server itself"),
        ("http://[64:ff9b::10.0.0.1]/", "private network"),
        ("http://[2002:7f00:1::]/", "server itself"),  # 6to4
    ],
)
def test_private_addresses_refused(url: str, message: str) -> None:
    with pytest.raises(BlockedURL, match=message):
        check_url(url)
    with SafeFetcher() as fetcher, pytest.raises(BlockedURL):
        fetcher.fetch(url)


def test_invalid_numeric_host_refused() -> None:
    with pytest.raises(BlockedURL, match="not a valid"):
        check_url("http://0999.1.1.1/")
    with pytest.raises(BlockedURL, match="not a valid"):
        check_url("http://1.2.3.256/")


def test_public_addresses_pass_the_syntax_check() -> None:
    for url in ("https://example.com/p/1", "http://93.184.216.34:8080/", "http://[2606:4700::1]/"):
        assert check_url(url) == url


def test_loose_ipv4_parsing_matches_inet_aton() -> None:
    import socket

    for spelling in ("2130706433", "0177.0.0.1", "0x7f000001", "127.1", "10.1.2", "0x0a.010.1"):
        expected = socket.inet_ntoa(socket.inet_aton(spelling))
        assert str(netguard.parse_loose_ipv4(spelling)) == expected


def test_allow_list_fetches_loopback_and_keeps_one_client(loopback_server: str) -> None:
    with _fetcher(loopback_server) as fetcher:
        client = fetcher._client
        result = fetcher.fetch(loopback_server + "/page")
        again = fetcher.fetch(loopback_server + "/to-page")
        assert fetcher._client is client
    assert result.status == 200
    assert b"Blue Mug" in result.body
    assert result.encoding == "utf-8"
    assert again.url == loopback_server + "/page"


def test_allow_list_is_exact(loopback_server: str) -> None:
    port = loopback_server.rsplit(":", 1)[1]
    with SafeFetcher(allow_hosts=frozenset({"127.0.0.1:1"})) as fetcher, pytest.raises(BlockedURL):
        fetcher.fetch(loopback_server + "/page")
    with SafeFetcher(allow_hosts=frozenset({"127.0.0.1"})) as fetcher:
        assert fetcher.fetch(f"http://127.0.0.1:{port}/page").status == 200


@pytest.mark.parametrize("path", ["/to-metadata", "/to-other-port", "/to-localhost", "/to-file"])
def test_redirect_to_blocked_address_is_refused(loopback_server: str, path: str) -> None:
    with _fetcher(loopback_server) as fetcher, pytest.raises(BlockedURL):
        fetcher.fetch(loopback_server + path)


def test_redirect_loop_stops(loopback_server: str) -> None:
    with _fetcher(loopback_server) as fetcher, pytest.raises(FetchFailed, match="redirected more"):
        fetcher.fetch(loopback_server + "/loop")


def test_dns_answer_is_checked_at_connect_time(loopback_server: str, server_hits: list[str]) -> None:
    """A public-looking name whose DNS answer is loopback never gets a connection.

    The guarded backend resolves, checks and connects in one place, so a rebinding answer is
    the answer that gets checked: the server must see no request at all.
    """
    port = loopback_server.rsplit(":", 1)[1]
    fetcher = SafeFetcher(resolver=lambda host, port: ["127.0.0.1"])
    with fetcher, pytest.raises(BlockedURL, match="server itself"):
        fetcher.fetch(f"http://shop.example:{port}/page")
    assert server_hits == []


def test_mixed_dns_answers_are_refused(loopback_server: str) -> None:
    port = loopback_server.rsplit(":", 1)[1]
    resolver = lambda host, port: ["93.184.216.34", "10.0.0.7"]  # noqa: E731
    with SafeFetcher(resolver=resolver) as fetcher, pytest.raises(BlockedURL, match="private"):
        fetcher.fetch(f"http://shop.example:{port}/page")


def test_pinned_connection_keeps_host_header(loopback_server: str) -> None:
    """Connecting to the resolved address must not change the Host header the shop sees."""
    port = loopback_server.rsplit(":", 1)[1]
    fetcher = SafeFetcher(
        allow_hosts=frozenset({"shop.example"}), resolver=lambda host, port: ["127.0.0.1"]
    )
    with fetcher:
        result = fetcher.fetch(f"http://shop.example:{port}/host")
    assert result.body == f"shop.example:{port}".encode()


def test_oversize_body_is_cut_off(loopback_server: str) -> None:
    with _fetcher(loopback_server) as fetcher:
        with pytest.raises(FetchFailed, match="larger than") as info:
            fetcher.fetch(loopback_server + "/big", max_bytes=1_000_000)
        assert info.value.code == "too_large"
        with pytest.raises(FetchFailed, match="larger than"):
            fetcher.fetch(loopback_server + "/declared-big", max_bytes=10_000)


def test_slow_server_times_out(loopback_server: str) -> None:
    with _fetcher(loopback_server, timeout=0.5) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match=r"took longer than 0.5 s") as info:
            fetcher.fetch(loopback_server + "/slow")
        assert info.value.code == "timeout"
        assert time.monotonic() - started < 1.5


def test_trickling_server_hits_the_total_deadline(loopback_server: str) -> None:
    with _fetcher(loopback_server, timeout=0.5) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="took longer"):
            fetcher.fetch(loopback_server + "/drip")
        assert time.monotonic() - started < 1.5


def test_a_server_trickling_its_headers_is_cut_off_at_the_deadline() -> None:
    """httpx's timeouts are per read: headers sent a byte every 0.1 s never trip them. The
    fetch as a whole still ends at its budget."""
    with trickling_server(every=0.1) as host, SafeFetcher(allow_hosts=frozenset({host}), timeout=1.0) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="took longer than 1 s") as info:
            fetcher.fetch(f"http://{host}/product")
        assert info.value.code == "timeout"
        assert time.monotonic() - started < 3


def test_http_errors_read_as_plain_words(loopback_server: str) -> None:
    with _fetcher(loopback_server) as fetcher:
        with pytest.raises(FetchFailed) as info:
            fetcher.fetch(loopback_server + "/missing")
        assert info.value.message == "The shop answered 404: the page was not found."
        assert info.value.code == "http_404"
        with pytest.raises(FetchFailed, match="410: the page has been removed"):
            fetcher.fetch(loopback_server + "/gone")


def test_content_type_is_enforced(loopback_server: str) -> None:
    with _fetcher(loopback_server) as fetcher:
        with pytest.raises(FetchFailed, match="application/json, not to a web page"):
            fetcher.fetch(loopback_server + "/json")
        with pytest.raises(FetchFailed, match="not to an image"):
            fetcher.fetch(loopback_server + "/page", accept=IMAGE_TYPES)
        image = fetcher.fetch(loopback_server + "/image.png", accept=IMAGE_TYPES)
    assert image.content_type == "image/png"


def test_unreachable_host_is_a_plain_fetch_failure() -> None:
    fetcher = SafeFetcher(allow_hosts=frozenset({"127.0.0.1:1"}), timeout=2)
    with fetcher, pytest.raises(FetchFailed, match="could not connect"):
        fetcher.fetch("http://127.0.0.1:1/")


def test_unknown_name_is_a_plain_fetch_failure() -> None:
    with SafeFetcher() as fetcher, pytest.raises(FetchFailed, match="could not be found"):
        fetcher.fetch("http://no-such-shop.invalid/")
