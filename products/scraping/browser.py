"""Render a product page in headless Chromium when the static HTML lacks the product.

Safety: Chromium never opens a connection of its own. Every request the page makes (the
document, redirects, scripts, XHR/fetch, iframes) is intercepted with ``context.route`` and
fetched by the caller's :class:`~core.fetch.SafeFetcher`, which checks the URL
and connects only to the address it checked (so redirects, sub-resources and DNS rebinding
cannot reach private addresses, and the fetcher's allow-list is honoured); the answer is handed
back with ``route.fulfill``. Belt and braces: Chromium's own resolver maps every name to
"not found", WebSockets are answered by a closed mock, service workers are blocked, and
images, media, fonts and style sheets are not loaded at all (the DOM is all we read).

Traffic that request routing never sees (WebRTC's STUN/TURN, preconnects, WebTransport) is
shut off at launch: WebRTC may not send UDP that no proxy carries
(``--webrtc-ip-handling-policy=disable_non_proxied_udp``), QUIC is off, and Chromium's one
proxy, loopback included, is a port this process holds open without listening on, so any TCP
connection that escaped routing is refused. Each page also loses ``RTCPeerConnection`` and
``WebTransport`` before its first script runs. A hostile page's STUN and TURN datagrams to a
loopback port are the test (``test_scrape_browser.py``).

Limits per page: a total deadline, a cap on requests, a cap on the bytes of all responses
together, and the fetcher's own per-response cap.

One browser per worker process, driven from its own thread (Playwright's sync API runs an
event loop in the thread that drives it, and Django then refuses ORM calls there), started on
first use, reused for every page (a new context per page keeps cookies apart), restarted if it
crashed, and closed at exit. Launching costs ~0.8 s; a
page on a warm browser ~0.2 s.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import socket
import threading
import time
import weakref
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

from core.fetch import SafeFetcher

from .types import FetchFailed, FetchResult, ScrapeError

logger = logging.getLogger(__name__)

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # Any request that escaped interception could not resolve a name.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # No datagram of WebRTC's (STUN, TURN, media) leaves without a proxy, and there is none
    # that carries UDP; no QUIC either. The TCP proxy is added at launch (_black_hole).
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-quic",
)
# Run in every page before its own scripts: the APIs that open connections routing never sees.
PAGE_GUARD_SCRIPT = """
for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel",
                    "RTCIceTransport", "WebTransport"]) {
  try { delete window[name]; } catch (e) {}
}
"""
SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet", "manifest", "texttrack"})
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0 Safari/537.36 ShopreelBot/1.0"
)


@dataclass
class RenderLog:
    """What happened to the page's requests (for logs and tests)."""

    fetched: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (url, error code)
    skipped: int = 0
    bytes: int = 0


class _BrowserThread:
    """One daemon thread running submitted calls in order. Daemon, and not a
    ``ThreadPoolExecutor`` (whose threads are joined before ``atexit`` handlers run), so the
    exit handler can still close the browser from its own thread."""

    def __init__(self) -> None:
        self._calls: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="shopreel-browser", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._calls.get()
            if item is None:
                return
            future, fn, args = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # handed to the caller
                    future.set_exception(exc)

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        self._calls.put((future, fn, args))
        return future

    def shutdown(self) -> None:
        self._calls.put(None)


class BrowserRenderer:
    """Renders pages with a warm headless Chromium; see the module docstring."""

    def __init__(
        self,
        *,
        executable_path: str = CHROMIUM_PATH,
        timeout: float = 20.0,
        max_requests: int = 150,
        max_total_bytes: int = 25_000_000,
        settle_ms: int = 1500,
    ):
        self.executable_path = executable_path
        self.timeout = timeout
        self.max_requests = max_requests
        self.max_total_bytes = max_total_bytes
        self.settle_ms = settle_ms
        self._browser = None
        self._proxy: socket.socket | None = None
        self._playwright = None
        self._executor: _BrowserThread | None = None
        self._lock = threading.Lock()
        self.last_log = RenderLog()

    def available(self) -> bool:
        if not Path(self.executable_path).exists():
            return False
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return False
        return True

    def _thread(self) -> _BrowserThread:
        with self._lock:
            if self._executor is None:
                self._executor = _BrowserThread()
                _renderers.add(self)
            return self._executor

    def _ensure_started(self):
        """On the browser thread: the running browser, launched if needed (or if it died)."""
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self._close_browser()
        if self._playwright is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
        self._proxy = _black_hole()
        proxy = f"127.0.0.1:{self._proxy.getsockname()[1]}"
        self._browser = self._playwright.chromium.launch(
            executable_path=self.executable_path,
            # "<-loopback>": Chromium would otherwise reach loopback without its proxy.
            args=[*CHROMIUM_ARGS, f"--proxy-server=http://{proxy}", "--proxy-bypass-list=<-loopback>"],
        )
        logger.info("browser started", extra={"pid": os.getpid()})
        return self._browser

    def _close_browser(self) -> None:
        browser, self._browser = self._browser, None
        try:
            if browser is not None:
                browser.close()
        except Exception:  # already gone; nothing to free
            logger.debug("browser close failed", exc_info=True)
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            proxy.close()

    def _stop(self) -> None:
        self._close_browser()
        pw, self._playwright = self._playwright, None
        try:
            if pw is not None:
                pw.stop()
        except Exception:
            logger.debug("playwright stop failed", exc_info=True)

    def close(self) -> None:
        """Close the browser and its thread (a later render starts them again)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        try:
            executor.submit(self._stop).result(timeout=10)
        except Exception:
            logger.debug("browser shutdown failed", exc_info=True)
        executor.shutdown()

    def render(self, url: str, *, fetcher: SafeFetcher) -> FetchResult:
        """The page's HTML after its scripts ran. Raises :class:`FetchFailed` (or the
        fetcher's :class:`BlockedURL`) with plain words.

        Runs on the renderer's own thread: Playwright's sync API runs an event loop in the
        thread that drives it, and Django refuses database calls from such a thread.
        """
        future = self._thread().submit(self._render, url, fetcher)
        try:
            return future.result(timeout=self.timeout + 15)
        except FutureTimeout:
            raise FetchFailed(
                f"The page took longer than {self.timeout:g} s to show in a browser.", code="timeout"
            ) from None

    def _render(self, url: str, fetcher: SafeFetcher) -> FetchResult:
        from playwright.sync_api import Error as PlaywrightError

        log = self.last_log = RenderLog()
        deadline = time.monotonic() + self.timeout
        document_error: list[ScrapeError] = []
        try:
            browser = self._ensure_started()
            context = browser.new_context(
                service_workers="block", java_script_enabled=True, user_agent=BROWSER_USER_AGENT,
                accept_downloads=False,
            )
            context.add_init_script(PAGE_GUARD_SCRIPT)
        except PlaywrightError as exc:
            self._close_browser()
            raise FetchFailed(
                "The page needs a browser to show its product, and the browser could not start.",
                code="browser_failed",
            ) from exc

        def handle(route) -> None:
            request = route.request
            if request.resource_type in SKIPPED_RESOURCES:
                log.skipped += 1
                route.abort("blockedbyclient")
                return
            remaining = deadline - time.monotonic()
            room = self.max_total_bytes - log.bytes
            if len(log.fetched) >= self.max_requests or remaining <= 0.2 or room <= 0:
                log.refused.append((request.url, "limit"))
                route.abort("blockedbyclient")
                return
            headers = {
                k: v for k, v in request.headers.items()
                if k.lower() in ("content-type", "user-agent", "referer", "x-requested-with")
            }
            try:
                result = fetcher.fetch(
                    request.url,
                    accept=("*/*",),
                    max_bytes=min(fetcher.max_bytes, room),
                    timeout=remaining,
                    method=request.method,
                    content=request.post_data_buffer,
                    headers=headers,
                )
            except ScrapeError as exc:
                log.refused.append((request.url, exc.code))
                if request.is_navigation_request() and request.frame == page.main_frame:
                    document_error.append(exc)
                route.abort("blockedbyclient")
                return
            log.fetched.append(request.url)
            log.bytes += len(result.body)
            route.fulfill(
                status=result.status,
                headers={"content-type": result.content_type or "application/octet-stream"},
                body=result.body,
            )

        try:
            context.route("**/*", handle)
            context.route_web_socket("**/*", lambda ws: ws.close())  # never connected
            page = context.new_page()
            remaining_ms = max(1000, int((deadline - time.monotonic()) * 1000))
            try:
                page.goto(url, wait_until="load", timeout=remaining_ms)
            except PlaywrightError:
                if document_error:
                    raise document_error[0] from None
                if time.monotonic() >= deadline:
                    raise FetchFailed(
                        f"The page took longer than {self.timeout:g} s to show in a browser.",
                        code="timeout",
                    ) from None
                raise
            settle = min(self.settle_ms, int((deadline - time.monotonic()) * 1000))
            if settle > 0:
                # A page that keeps polling never idles: read what is there then.
                with contextlib.suppress(PlaywrightError):
                    page.wait_for_load_state("networkidle", timeout=settle)
            html = page.content()
            final_url = page.url
        except PlaywrightError as exc:
            if not self._browser or not self._browser.is_connected():
                self._close_browser()
            raise FetchFailed(
                "The page could not be shown in a browser.", code="browser_failed"
            ) from exc
        finally:
            with contextlib.suppress(PlaywrightError):
                context.close()
        body = html.encode("utf-8")[: fetcher.max_bytes]
        return FetchResult(url=final_url, status=200, content_type="text/html; charset=utf-8",
                           body=body, encoding="utf-8")


def _black_hole() -> socket.socket:
    """A loopback TCP port held by this process and never listened on: a connection to it is
    refused, and no other program can take the port while the browser uses it as its proxy."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


_renderers: weakref.WeakSet[BrowserRenderer] = weakref.WeakSet()
_shared: BrowserRenderer | None = None
_shared_lock = threading.Lock()


def shared_renderer() -> BrowserRenderer:
    """This worker process's browser, created on first use and kept warm."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = BrowserRenderer()
        return _shared


@atexit.register
def _shutdown() -> None:
    for renderer in list(_renderers):
        renderer.close()


def _forget_after_fork() -> None:
    # A forked worker has no browser thread: it must not drive its parent's browser, and
    # starts its own when needed.
    global _shared
    _shared = None
    _renderers.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
