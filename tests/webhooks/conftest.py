"""A real webhook receiver on loopback (allow-listed for the test, as the demo shop is) that
records every request and answers from a script; the API world of tests/api is reused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest

from tests.api.conftest import api  # noqa: F401 (the shared API fixture)
from tests.servers import run_server


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    host_port: str = ""
    requests: list[Received] = field(default_factory=list)
    # (status, headers, body) answered in turn; then 200 "ok".
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host_port}{path}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                status, headers, answer = receiver.script.pop(0) if receiver.script else (200, {}, b"ok")
            if receiver.delay:
                threading.Event().wait(receiver.delay)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_POST = do_GET = _serve

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def make_receiver(settings) -> Iterator:
    """Start receivers on 127.0.0.1, each allow-listed like the demo shop in tests."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def make() -> Receiver:
            receiver = Receiver()
            server = stack.enter_context(run_server(_handler(receiver)))
            receiver.host_port = f"127.0.0.1:{server.server_address[1]}"
            settings.SHOPREEL_FETCH_ALLOW_HOSTS = [*settings.SHOPREEL_FETCH_ALLOW_HOSTS, receiver.host_port]
            return receiver

        yield make


@pytest.fixture
def receiver(make_receiver) -> Receiver:
    return make_receiver()
