"""``core.fetch`` against hostile servers and links: host names that are not valid IDNA, and
stacked content codings (a gzip inside a gzip) that would inflate past the byte cap in memory."""

from __future__ import annotations

import gzip
import tracemalloc
from http.server import BaseHTTPRequestHandler

import pytest

from core.errors import BlockedURL, FetchFailed, ScrapeError
from core.fetch import SafeFetcher, check_url
from tests.servers import run_server

BAD_IDNA = "http://xn--lcalhost-1of/"


def test_an_invalid_idna_host_is_refused_on_its_face():
    with pytest.raises(BlockedURL, match="not a valid host name"):
        check_url(BAD_IDNA)
    with pytest.raises(BlockedURL, match="not a valid host name"):
        check_url("https://shop.xn--lcalhost-1of:8443/p?q=1")


def test_a_valid_idna_host_still_passes():
    assert check_url("https://bücher.example/p") == "https://bücher.example/p"
    assert check_url("https://xn--bcher-kva.example/p") == "https://xn--bcher-kva.example/p"


def test_fetching_an_invalid_idna_host_is_a_plain_refusal():
    with SafeFetcher() as fetcher, pytest.raises(BlockedURL, match="not a valid host name"):
        fetcher.fetch(BAD_IDNA)


def _server(status: int, headers: dict[str, str], body: bytes):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return run_server(Handler)


def test_a_redirect_to_an_invalid_idna_host_is_a_plain_refusal():
    with _server(302, {"Location": BAD_IDNA + "steal"}, b"") as server:
        host = f"127.0.0.1:{server.server_address[1]}"
        with SafeFetcher(allow_hosts=frozenset({host})) as fetcher, pytest.raises(ScrapeError) as info:
            fetcher.fetch(f"http://{host}/")
    assert "not a valid host name" in info.value.message


@pytest.fixture(scope="module")
def nested_gzip() -> bytes:
    """200 MB of zeros, gzipped twice: a few hundred bytes on the wire."""
    inner = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    return gzip.compress(inner, compresslevel=9)


@pytest.mark.parametrize("codings", [["gzip, gzip"], ["gzip", "gzip"], ["gzip, identity, gzip"]])
def test_stacked_content_codings_are_refused_without_inflating(nested_gzip, codings):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            for coding in codings:
                self.send_header("Content-Encoding", coding)
            self.send_header("Content-Length", str(len(nested_gzip)))
            self.end_headers()
            self.wfile.write(nested_gzip)

        def log_message(self, *args):
            pass

    with run_server(Handler) as server:
        host = f"127.0.0.1:{server.server_address[1]}"
        with SafeFetcher(allow_hosts=frozenset({host})) as fetcher:
            tracemalloc.start()
            try:
                with pytest.raises(FetchFailed) as info:
                    fetcher.fetch(f"http://{host}/")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert info.value.code == "stacked_encoding"
    assert "more than one content encoding" in info.value.message
    assert peak < 20_000_000, f"peak {peak / 1e6:.1f} MB"


def test_one_gzip_coding_is_still_read(nested_gzip):
    page = b"<html><title>Tee</title></html>"
    with _server(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip.compress(page)) as server:
        host = f"127.0.0.1:{server.server_address[1]}"
        with SafeFetcher(allow_hosts=frozenset({host})) as fetcher:
            assert fetcher.fetch(f"http://{host}/").body == page
