"""The browser fallback with the real Debian Chromium: a product drawn by JavaScript is read,
and nothing the page asks for reaches a private address."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from core.fetch import SafeFetcher
from products.scraping import browser as browser_module
from products.scraping.browser import CHROMIUM_PATH, BrowserRenderer
from products.scraping.extract import extract_product
from products.scraping.types import BlockedURL, FetchFailed, NotAProduct
from tests.servers import run_server, serve

pytestmark = pytest.mark.skipif(not Path(CHROMIUM_PATH).exists(), reason="no Chromium at /usr/bin/chromium")

SHELL = b"""<!doctype html><html lang="en"><head><title>Loading...</title></head>
<body><div id="app">Loading...</div><script src="/app.js"></script></body></html>"""

APP_JS = """
fetch('/api/product').then(r => r.json()).then(p => {
  document.getElementById('app').innerHTML =
    '<h1>' + p.name + '</h1><div class="price">' + p.price + '</div>' +
    '<img class="product-image" src="' + p.image + '">';
  const ld = document.createElement('script');
  ld.type = 'application/ld+json';
  ld.textContent = JSON.stringify({"@type": "Product", "name": p.name, "image": p.image,
    "offers": {"@type": "Offer", "price": p.priceValue, "priceCurrency": "EUR"}});
  document.head.appendChild(ld);
});
"""

PRODUCT = {"name": "Rendered Kettle", "price": "€39.00", "priceValue": "39.00", "image": "/k.jpg"}


@pytest.fixture(scope="module")
def renderer() -> Iterator[BrowserRenderer]:
    browser = BrowserRenderer(timeout=15.0, settle_ms=800)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def private_server() -> Iterator[tuple[str, list[str]]]:
    """A server standing for an internal service: it must never be reached."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"secret")

        do_POST = do_GET

        def log_message(self, *args):
            pass

    with run_server(Handler) as server:
        yield f"127.0.0.1:{server.server_address[1]}", hits


def _shop_routes() -> dict:
    return {
        "/p": (200, "text/html; charset=utf-8", SHELL),
        "/app.js": (200, "application/javascript", APP_JS.encode()),
        "/api/product": (200, "application/json", json.dumps(PRODUCT).encode()),
    }


def test_a_product_drawn_by_javascript_is_read_in_the_browser(renderer):
    with serve(_shop_routes()) as host:
        fetcher = SafeFetcher(allow_hosts=frozenset({host}))
        url = f"http://{host}/p"
        static = fetcher.fetch(url)
        with pytest.raises(NotAProduct):
            extract_product(static.body, url)
        rendered = renderer.render(url, fetcher=fetcher)
        again = renderer.render(url, fetcher=fetcher)  # the same warm browser, a new page
    product = extract_product(rendered.body, url)
    assert product.title == "Rendered Kettle"
    assert str(product.price) == "39.00" and product.currency == "EUR"
    assert product.images == [f"http://{host}/k.jpg"]
    assert b"Rendered Kettle" in again.body
    assert renderer.last_log.fetched == [url, f"http://{host}/app.js", f"http://{host}/api/product"]


def test_the_browser_cannot_reach_private_addresses(renderer, private_server):
    private, hits = private_server
    attacks = [
        f"http://{private}/direct",  # another loopback port: not on the allow-list
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::ffff:127.0.0.1]/mapped",
        "http://2130706433/decimal",
        "http://rebind.test/rebinding",  # a name that resolves to loopback
    ]
    script = "".join(
        f"fetch({json.dumps(u)}).catch(() => 0); fetch({json.dumps(u)}, {{method: 'POST', body: 'x'}}).catch(() => 0);"
        for u in attacks
    )
    script += f"new Image().src = 'http://{private}/pixel'; try {{ new WebSocket('ws://{private}/ws'); }} catch (e) {{}}"
    page = f"<html><body><h1>Hostile</h1><script>{script}</script>" \
           f"<iframe src='http://{private}/frame'></iframe></body></html>".encode()
    routes = {
        "/p": (200, "text/html", page),
    }

    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "rebind.test" else ["203.0.113.9"]

    with serve(routes) as host:
        fetcher = SafeFetcher(allow_hosts=frozenset({host}), resolver=resolver, timeout=5)
        result = renderer.render(f"http://{host}/p", fetcher=fetcher)
    assert b"Hostile" in result.body
    # Chromium normalises the spellings ([::ffff:7f00:1], 127.0.0.1), so match on the path.
    refused = {(url.rsplit("/", 1)[-1], code) for url, code in renderer.last_log.refused}
    for name in ("direct", "", "mapped", "decimal", "rebinding", "frame"):
        assert (name, "url_blocked") in refused, (name, refused)
    assert renderer.last_log.fetched == [f"http://{host}/p"]
    assert hits == []  # the private server saw nothing: no fetch, image, frame or WebSocket


def test_a_redirect_to_a_private_address_is_refused_inside_the_browser(renderer, private_server):
    private, hits = private_server

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/p":
                body = b"<html><body><h1>x</h1><script>fetch('/hop')</script></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(302)
            self.send_header("Location", f"http://{private}/after-redirect")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    with run_server(Handler) as server:
        host = f"127.0.0.1:{server.server_address[1]}"
        fetcher = SafeFetcher(allow_hosts=frozenset({host}), timeout=5)
        renderer.render(f"http://{host}/p", fetcher=fetcher)
    assert (f"http://{host}/hop", "url_blocked") in renderer.last_log.refused
    assert hits == []


def test_the_page_itself_on_a_private_address_is_refused(renderer, private_server):
    private, hits = private_server
    fetcher = SafeFetcher(timeout=5)
    with pytest.raises(BlockedURL, match="Shopreel server itself"):
        renderer.render(f"http://{private}/page", fetcher=fetcher)
    assert hits == []


def test_a_page_that_never_finishes_is_stopped_by_the_deadline(private_server):
    slow = BrowserRenderer(timeout=2.0, settle_ms=200)
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            stop.wait(5)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    try:
        with run_server(Handler) as server:
            host = f"127.0.0.1:{server.server_address[1]}"
            fetcher = SafeFetcher(allow_hosts=frozenset({host}), timeout=2)
            with pytest.raises(FetchFailed, match="longer than"):
                slow.render(f"http://{host}/p", fetcher=fetcher)
            stop.set()
    finally:
        slow.close()


class _Listeners:
    """A UDP socket and a TCP listener on loopback that record whatever reaches them."""

    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.quic = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.quic.bind(("127.0.0.1", 0))
        self.quic.settimeout(0.2)
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen()
        self.tcp.settimeout(0.2)
        self.datagrams: list[tuple[str, int]] = []  # (which socket, size)
        self.connections = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(sock, name), daemon=True)
            for sock, name in ((self.udp, "stun/turn"), (self.quic, "webtransport"))
        ] + [threading.Thread(target=self._accept, daemon=True)]

    def port(self, sock: socket.socket) -> int:
        return sock.getsockname()[1]

    def _read(self, sock: socket.socket, name: str) -> None:
        while not self._stop.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.datagrams.append((name, len(data)))

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def __enter__(self) -> _Listeners:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(1)
        for sock in (self.udp, self.quic, self.tcp):
            sock.close()


@pytest.mark.parametrize("page_guard", [True, False], ids=["page-guard", "launch-flags-alone"])
def test_no_byte_leaves_the_browser_past_the_guard_webrtc_included(renderer, monkeypatch, page_guard):
    """A hostile page asks Chromium for STUN and TURN (UDP and TCP) to loopback ports, a
    WebTransport session, a preconnect, a fetch and a WebSocket: nothing reaches those ports,
    and the launch flags hold even where the page keeps RTCPeerConnection."""
    if not page_guard:
        monkeypatch.setattr(browser_module, "PAGE_GUARD_SCRIPT", "// page APIs left in place")
    with _Listeners() as ears:
        udp, quic, tcp = ears.port(ears.udp), ears.port(ears.quic), ears.port(ears.tcp)
        attack = f"""
          const servers = [
            {{urls: 'stun:127.0.0.1:{udp}'}},
            {{urls: 'turn:127.0.0.1:{udp}?transport=udp', username: 'u', credential: 'p'}},
            {{urls: 'turn:127.0.0.1:{tcp}?transport=tcp', username: 'u', credential: 'p'}},
          ];
          document.body.dataset.rtc = typeof RTCPeerConnection;
          for (let i = 0; i < 3; i++) {{
            try {{
              const pc = new RTCPeerConnection({{iceServers: servers, iceCandidatePoolSize: 2}});
              pc.createDataChannel('leak');
              pc.createOffer().then(offer => pc.setLocalDescription(offer)).catch(() => 0);
              window['pc' + i] = pc;
            }} catch (e) {{}}
          }}
          try {{ new WebTransport('https://127.0.0.1:{quic}/wt').ready.catch(() => 0); }} catch (e) {{}}
          fetch('http://127.0.0.1:{tcp}/fetch').catch(() => 0);
          try {{ new WebSocket('ws://127.0.0.1:{tcp}/ws'); }} catch (e) {{}}
        """
        page = (
            f"<html><head><link rel='preconnect' href='http://127.0.0.1:{tcp}'></head>"
            f"<body><h1>Hostile</h1><script>{attack}</script>"
            # The page's load waits for this script: the attack has 3 s to gather candidates.
            "<script src='/slow.js'></script></body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/slow.js":
                    time.sleep(3)
                    body, kind = b"document.title = 'done';", "application/javascript"
                else:
                    body, kind = page, "text/html"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        with run_server(Handler) as server:
            host = f"127.0.0.1:{server.server_address[1]}"
            fetcher = SafeFetcher(allow_hosts=frozenset({host}), timeout=10)
            result = renderer.render(f"http://{host}/p", fetcher=fetcher)
        time.sleep(1)  # anything still in flight
    assert b"Hostile" in result.body and b"<title>done</title>" in result.body
    rtc = b'data-rtc="undefined"' if page_guard else b'data-rtc="function"'
    assert rtc in result.body
    assert (f"http://127.0.0.1:{tcp}/fetch", "url_blocked") in renderer.last_log.refused
    leaked = sorted(set(ears.datagrams))
    assert (leaked, len(ears.datagrams), ears.connections) == ([], 0, 0)
