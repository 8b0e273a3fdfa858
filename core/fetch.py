"""Fetch user-supplied URLs without letting them reach inside our network (SSRF-safe).

How the rules are enforced:

* Before a request: the URL must be http(s), carry no ``user:pass@``, and a host that spells
  an IP address (in any notation a resolver accepts) must be public. This gives the merchant
  a clear message without touching the network.
* At connect time: the transport uses :class:`_GuardedBackend`, which resolves the host
  itself, checks *every* address returned and opens the socket to one of those checked
  addresses. The check and the connect use the same resolution, so DNS rebinding (a name that
  answers "public" to the check and "127.0.0.1" to the connect) cannot get through. TLS still
  uses the original host name for SNI and certificate checks, and the Host header is the
  original one, because only the socket layer is replaced.
* Redirects are followed by hand (at most 5) and every hop goes through both checks again.
* A total deadline (enforced by a watchdog that shuts the socket, so a server trickling its
  headers a byte at a time is cut off too), a byte cap counted on the decoded body (so gzip
  bombs stop too), a refusal of stacked content codings (``gzip, gzip``, which httpx would
  inflate a whole layer at a time) and an allow-list of content types bound what one fetch can
  cost.

``allow_hosts`` exempts exact ``host`` / ``host:port`` entries from the address checks; tests
and the offline demo shop use it for servers on 127.0.0.1. It is empty by default.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
import idna

from core import netguard
from core.errors import BlockedURL, FetchFailed

HTML_TYPES: tuple[str, ...] = ("text/html", "application/xhtml+xml")
IMAGE_TYPES: tuple[str, ...] = ("image/*",)
@dataclass
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content_type: str
    body: bytes
    encoding: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace")


MAX_REDIRECTS = 5
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Mozilla/5.0 (compatible; ShopreelBot/1.0; +https://shopreel.app/bot)"

Resolver = Callable[[str, int], list[str]]

_STATUS_WORDS = {
    400: "the request was refused as malformed",
    401: "the page needs a login",
    403: "access was refused (the shop may block automated visitors)",
    404: "the page was not found",
    410: "the page has been removed",
    429: "too many requests were made; try again in a few minutes",
}


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6), in its order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchFailed(
            f"The web address {host} could not be found. Check the link for typos.",
            code="dns_failed",
        ) from None
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


class _GuardedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses that passed :func:`netguard.check_address`."""

    def __init__(self, *, allow_hosts: frozenset[str], resolver: Resolver):
        self._inner = httpcore.SyncBackend()
        self._allow_hosts = allow_hosts
        self._resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        allowed = _is_allowed(host, port, self._allow_hosts)
        if not allowed:
            netguard.check_host_name(host)
        literal = netguard.literal_address(host)
        addresses = [str(literal)] if literal is not None else self._resolver(host, port)
        if not allowed:
            for address in addresses:  # every answer, so a mixed record set cannot sneak one in
                netguard.check_address(netguard.literal_address(address) or _bad(address))
        error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                            ) -> httpcore.NetworkStream:
        raise BlockedURL("Shopreel only fetches pages over the internet.")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bad(address: str) -> netguard.IPAddress:
    raise BlockedURL(f"The shop's address resolved to something unusable ({address}).")


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport with the socket layer swapped for :class:`_GuardedBackend`.

    httpx does not take a network backend as an argument, so the pool it builds is replaced
    by an identical one that has the guarded backend. This leans on ``HTTPTransport._pool``,
    which is why httpx is pinned exactly; ``test_fetch`` covers the swap.
    """

    def __init__(self, backend: _GuardedBackend):
        super().__init__(retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=backend,
        )


def _is_allowed(host: str, port: int | None, allow_hosts: frozenset[str]) -> bool:
    host = host.lower().strip("[]")
    return host in allow_hosts or f"{host}:{port}" in allow_hosts


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def check_url(url: str, *, allow_hosts: frozenset[str] = frozenset()) -> str:
    """Refuse a URL on its face (scheme, credentials, literal address); return it cleaned.

    Names that need DNS are checked later, at connect time, on the address actually used.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BlockedURL("That link isn't a valid web address.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BlockedURL(
            "Shopreel only opens web pages (links starting with http:// or https://)."
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise BlockedURL(
            "That link contains a user name or password. Paste the public product link instead."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BlockedURL("That link has no web address in it.")
    _check_idna(host)
    if _is_allowed(host, port or _default_port(scheme), allow_hosts):
        return url
    netguard.check_host_name(host)
    literal = netguard.literal_address(host)
    if literal is not None:
        netguard.check_address(literal)
    return url


def _check_idna(host: str) -> None:
    """An ``xn--`` label must decode as IDNA: httpx decodes it when it reads the host (for a
    request or a redirect's Location) and would raise ``IDNAError`` from deep inside."""
    if any(label.startswith("xn--") for label in host.lower().split(".")):
        try:
            idna.decode(host)
        except (idna.IDNAError, UnicodeError):
            raise _invalid_host(host) from None


def _invalid_host(host: str) -> BlockedURL:
    return BlockedURL(f"That link's address ({host[:100]}) is not a valid host name.")


def _type_accepted(content_type: str, accept: Iterable[str]) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    for pattern in accept:
        pattern = pattern.lower()
        if pattern == "*/*":
            return True
        if pattern.endswith("/*") and media.startswith(pattern[:-1]):
            return True
        if media == pattern:
            return True
    return False


def _status_failure(status: int) -> FetchFailed:
    words = _STATUS_WORDS.get(status)
    if words is None:
        words = "the shop's server had an error" if status >= 500 else "the page could not be read"
    return FetchFailed(f"The shop answered {status}: {words}.", code=f"http_{status}")


class SafeFetcher:
    """Fetches pages and images for the scraper; one instance per process, reused.

    Holds one ``httpx.Client`` (creating one costs ~19 ms) whose connections all go through
    the guarded backend. Thread-safe, as ``httpx.Client`` is.
    """

    def __init__(
        self,
        *,
        allow_hosts: frozenset[str] = frozenset(),
        timeout: float = 15.0,
        max_bytes: int = 8_000_000,
        resolver: Resolver = system_resolver,
        user_agent: str = USER_AGENT,
    ):
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.timeout = timeout
        self.max_bytes = max_bytes
        backend = _GuardedBackend(allow_hosts=self.allow_hosts, resolver=resolver)
        self._client = httpx.Client(
            transport=_GuardedTransport(backend),
            follow_redirects=False,
            trust_env=False,  # an environment proxy would bypass the address checks
            headers={
                "User-Agent": user_agent,
                "Accept-Language": "en;q=0.9, *;q=0.5",
            },
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SafeFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        *,
        accept: tuple[str, ...] = HTML_TYPES,
        max_bytes: int | None = None,
        timeout: float | None = None,
        method: str = "GET",
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> FetchResult:
        """GET ``url`` following up to 5 redirects, each re-checked; raise a plain-words error.

        ``accept`` lists media types (``"image/*"`` and ``"*/*"`` wildcards allowed); anything
        else is refused before its body is read. ``max_bytes`` caps the decoded body.
        ``method``, ``content`` and ``headers`` serve the browser's own requests (see
        ``browser.py``); a 301/302/303 turns them into a plain GET, as browsers do.
        """
        limit = max_bytes if max_bytes is not None else self.max_bytes
        budget = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + budget
        accept_header = ", ".join(accept) + ", */*;q=0.1"
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            current = check_url(current, allow_hosts=self.allow_hosts)
            try:
                result = self._get_once(
                    current, accept, accept_header, limit, deadline, budget,
                    method=method, content=content, headers=headers,
                )
            except httpx.TimeoutException:
                raise FetchFailed(
                    f"The page took longer than {budget:g} s to answer.", code="timeout"
                ) from None
            except httpx.InvalidURL:
                raise BlockedURL("That link isn't a valid web address.") from None
            except idna.IDNAError:  # httpx reads a redirect's Location before returning it
                raise redirect_to_invalid_host() from None
            except httpx.ConnectError as exc:
                raise _connect_failure(current, exc) from None
            except httpx.HTTPError:
                raise FetchFailed(
                    "The shop's server broke off the connection. Try again in a moment.",
                    code="connection_failed",
                ) from None
            if isinstance(result, tuple):
                current, status = result
                if status in (301, 302, 303) and method != "HEAD":
                    method, content = "GET", None
                continue
            return result
        raise FetchFailed(
            f"The link redirected more than {MAX_REDIRECTS} times, so Shopreel stopped following it.",
            code="too_many_redirects",
        )

    def _get_once(
        self,
        url: str,
        accept: tuple[str, ...],
        accept_header: str,
        limit: int,
        deadline: float,
        budget: float,
        *,
        method: str = "GET",
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> FetchResult | tuple[str, int]:
        """One request. Returns (next URL, status) for a redirect, else the finished result."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.ReadTimeout("deadline")
        # httpx's timeouts are per socket read: a server that trickles its headers a byte at a
        # time never trips them. The watchdog shuts the socket when the whole budget is spent.
        watchdog = Watchdog(remaining)
        request = self._client.build_request(
            method, url, headers={**(headers or {}), "Accept": accept_header},
            content=content, timeout=httpx.Timeout(remaining), extensions={"trace": watchdog.trace},
        )
        watchdog.start()
        try:
            result = self._read_response(
                self._client.send(request, stream=True), accept, limit, deadline, budget
            )
        except httpx.HTTPError:
            if watchdog.fired:
                raise httpx.ReadTimeout("deadline") from None
            raise
        finally:
            watchdog.cancel()
        if watchdog.fired:  # a shut socket can read as a clean end: never return a cut-off body
            raise httpx.ReadTimeout("deadline")
        return result

    def _read_response(
        self, response: httpx.Response, accept: tuple[str, ...], limit: int, deadline: float, budget: float
    ) -> FetchResult | tuple[str, int]:
        try:
            if response.status_code in REDIRECT_CODES:
                location = response.headers.get("location")
                if not location:
                    raise _status_failure(response.status_code)
                return urljoin(str(response.url), location), response.status_code
            if response.status_code >= 400:
                raise _status_failure(response.status_code)
            content_type = response.headers.get("content-type", "")
            if not _type_accepted(content_type, accept):
                shown = content_type.split(";", 1)[0] or "no type"
                raise FetchFailed(
                    f"The link points to {shown}, not to "
                    f"{'an image' if accept == IMAGE_TYPES else 'a web page'}.",
                    code="wrong_content_type",
                )
            check_content_coding(response)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_big(limit)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _too_big(limit)
                if time.monotonic() > deadline:
                    raise FetchFailed(
                        f"The page took longer than {budget:g} s to answer.", code="timeout"
                    )
                chunks.append(chunk)
            return FetchResult(
                url=str(response.url),
                status=response.status_code,
                content_type=content_type,
                body=b"".join(chunks),
                encoding=response.charset_encoding,
            )
        finally:
            response.close()


class Watchdog:
    """Shuts a request's sockets (learnt from httpcore's ``trace`` events) after ``seconds``:
    one hard deadline for a whole request, whatever the other side does."""

    def __init__(self, seconds: float):
        self._timer = threading.Timer(max(seconds, 0.0), self._cut)
        self._timer.daemon = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.fired = False

    def trace(self, event: str, info: dict) -> None:
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with self._lock:
                    self._sockets.append(sock)
                    if self.fired:  # connected just as time ran out
                        _shut(sock)

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def _cut(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def content_codings(response: httpx.Response) -> list[str]:
    """The response's content codings, outermost last, ``identity`` left out."""
    codings = response.headers.get_list("content-encoding", split_commas=True)
    return [c.strip().lower() for c in codings if c.strip() and c.strip().lower() != "identity"]


def check_content_coding(response: httpx.Response) -> None:
    """Refuse a body encoded more than once (``gzip, gzip``): httpx inflates each layer in one
    piece, so a few hundred bytes can become gigabytes in memory before the byte cap counts
    them. No real server stacks codings."""
    codings = content_codings(response)
    if len(codings) > 1:
        raise FetchFailed(
            f"The server sent the page with more than one content encoding ({', '.join(codings)[:100]}), "
            "which Shopreel refuses to unpack.",
            code="stacked_encoding",
        )


def redirect_to_invalid_host() -> BlockedURL:
    return BlockedURL("The link redirected to an address that is not a valid host name.")


def _too_big(limit: int) -> FetchFailed:
    return FetchFailed(
        f"The page is larger than {limit / 1_000_000:g} MB, so Shopreel stopped reading it.",
        code="too_large",
    )


def _connect_failure(url: str, exc: Exception) -> FetchFailed:
    host = urlsplit(url).hostname or url
    text = str(exc).lower()
    if "certificate" in text or "ssl" in text:
        return FetchFailed(
            f"The secure connection to {host} could not be verified (HTTPS certificate problem).",
            code="tls_failed",
        )
    return FetchFailed(
        f"Shopreel could not connect to {host}. The shop may be down; try again later.",
        code="connection_failed",
    )
