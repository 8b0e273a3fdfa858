"""Serve the demo shop on loopback, so ``make_ad --demo`` and the tests work offline.

Only known paths are served — the index, ``/products/<slug>`` for catalogued slugs and
``/images/<name>`` for catalogued file names — looked up in dicts, never joined onto a
filesystem path, so no request can reach another file.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from products.demo.catalog import BY_SLUG
from products.demo.pages import render_index_page, render_product_page
from products.demo.photos import default_cache_dir, ensure_photos


class _Handler(BaseHTTPRequestHandler):
    server: _ShopServer
    server_version = "DemoShop/1"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(head_only=False)

    def do_HEAD(self) -> None:
        self._respond(head_only=True)

    def _respond(self, *, head_only: bool) -> None:
        path = urlsplit(self.path).path
        found = self.server.route(path)
        if found is None:
            status, ctype, body = HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n"
        else:
            status, (ctype, body) = HTTPStatus.OK, found
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store" if status != HTTPStatus.OK else "max-age=60")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # quiet: tests and the CLI own the output
        return


class _ShopServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, images: dict[str, Path]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.images = images
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, path: str) -> tuple[str, bytes] | None:
        """(content type, body) for a known path, else None. Pure dict lookups."""
        html = "text/html; charset=utf-8"
        if path in ("/", "/products", "/products/"):
            return html, render_index_page(self.base_url).encode()
        if path.startswith("/products/"):
            product = BY_SLUG.get(path.removeprefix("/products/"))
            return (html, render_product_page(product, self.base_url).encode()) if product else None
        if path.startswith("/images/"):
            file = self.images.get(path.removeprefix("/images/"))
            return ("image/jpeg", file.read_bytes()) if file else None
        return None


class DemoShop:
    """The demo shop on ``127.0.0.1:<free port>``, for the length of a ``with`` block.

    >>> with DemoShop() as shop:
    ...     urls = shop.product_urls  # {"aurora-organic-tee": "http://127.0.0.1:PORT/products/..."}
    """

    def __init__(self, cache_dir: Path | None = None):
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._server: _ShopServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> DemoShop:
        photos = ensure_photos(self.cache_dir)
        images = {path.name: path for paths in photos.values() for path in paths}
        self._server = _ShopServer(images)
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-shop", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def _running(self) -> _ShopServer:
        if self._server is None:
            raise RuntimeError("the demo shop is not running; use it in a `with DemoShop():` block")
        return self._server

    @property
    def base_url(self) -> str:
        return self._running.base_url

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT``, the form the fetcher's loopback allow-list takes."""
        return f"127.0.0.1:{self._running.server_address[1]}"

    @property
    def product_urls(self) -> dict[str, str]:
        return {slug: f"{self.base_url}/products/{slug}" for slug in BY_SLUG}
