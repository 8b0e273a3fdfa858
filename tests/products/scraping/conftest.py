"""A loopback HTTP server for the scraper tests (the sandbox has no internet)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tests.servers import run_server

PRODUCT_HTML = b"""<!doctype html><html lang="en"><head><title>Mug | Shop</title>
<script type="application/ld+json">{"@type": "Product", "name": "Blue Mug",
"offers": {"@type": "Offer", "price": "12.50", "priceCurrency": "EUR"}}</script>
</head><body><h1>Blue Mug</h1></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    hits: list[str] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def handle_one_request(self) -> None:
        # The fetcher hangs up on purpose (oversize, too slow): not an error worth printing.
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        self.hits.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(30):
                self.wfile.write(b"<p>x</p>" * 10)
                self.wfile.flush()
                time.sleep(0.1)
            return
        if self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"a" * 100_000)
            return
        if self.path == "/host":
            body = (self.headers.get("Host") or "").encode()
            self._send(200, {"Content-Type": "text/html"}, body)
            return
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        headers = {k: v.replace("{port}", str(port)) for k, v in headers.items()}
        self._send(status, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


_Handler.routes = {
    "/page": (200, {"Content-Type": "text/html; charset=utf-8"}, PRODUCT_HTML),
    "/to-page": (302, {"Location": "/page"}, b""),
    "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
    "/to-other-port": (302, {"Location": "http://127.0.0.1:1/page"}, b""),
    "/to-localhost": (301, {"Location": "http://localhost:{port}/page"}, b""),
    "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
    "/loop": (302, {"Location": "/loop"}, b""),
    "/json": (200, {"Content-Type": "application/json"}, b"{}"),
    "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n"),
    "/declared-big": (200, {"Content-Type": "text/html"}, b"x" * 20_000),
    "/gone": (410, {"Content-Type": "text/html"}, b"gone"),
}


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of a throw-away test server."""
    with run_server(_Handler) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def server_hits() -> list[str]:
    _Handler.hits.clear()
    return _Handler.hits
