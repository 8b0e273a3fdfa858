"""A fake OpenAI-compatible chat-completions server on loopback, for the ``llm`` backend.

It speaks the real wire shape: ``POST /v1/chat/completions`` with ``{"model", "messages",
"response_format", ...}`` in, ``{"id", "object": "chat.completion", "choices": [{"index",
"message": {"role": "assistant", "content"}, "finish_reason"}], "usage"}`` out. What the
"model" answers is a function of the request's texts, so a test says how the model behaves
(translate well, invent a price, answer malformed JSON, hang) and the real client code runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.servers import run_server

# Words a good model would translate into Japanese (placeholders and punctuation pass as sent).
JA = {
    "certified organic cotton": "認証オーガニックコットン",
    "Relaxed fit with dropped shoulders": "ドロップショルダーのゆったりシルエット",
    "Hyaluronic acid and vitamin": "ヒアルロン酸とビタミン",
    "Active noise cancelling": "アクティブノイズキャンセリング",
    "battery": "バッテリー",
    "White": "ホワイト",
    "Colour": "カラー",
}


def translate_ja(text: str) -> str:
    for en, ja in JA.items():
        text = text.replace(en, ja)
    return text


@dataclass
class FakeLlm:
    """``answer(texts) -> content``: what the model says for ``{"1": text, ...}``; ``status``
    and ``delay`` shape the HTTP answer. ``requests`` records every request body and headers."""

    answer: Callable[[dict[str, str]], str] = lambda texts: json.dumps(
        {"translations": {k: translate_ja(v) for k, v in texts.items()}}, ensure_ascii=False
    )
    status: int = 200
    delay: float = 0.0
    finish_reason: str = "stop"
    requests: list[dict] = field(default_factory=list)
    base_url: str = ""


def completion(content: str, *, model: str, finish_reason: str = "stop") -> dict:
    return {
        "id": "chatcmpl-9x0",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 48, "total_tokens": 168},
    }


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet handler that answers JSON; a client that gave up (the timeout tests) is no error."""

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args):
        pass


@contextmanager
def fake_llm(**kwargs) -> Iterator[FakeLlm]:
    llm = FakeLlm(**kwargs)

    class Handler(JsonHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            llm.requests.append(
                {
                    "path": self.path,
                    "body": body,
                    "authorization": self.headers.get("Authorization"),
                }
            )
            if llm.delay:
                time.sleep(llm.delay)
            if self.path != "/v1/chat/completions":
                return self._send(404, {"error": {"message": "not found"}})
            if llm.status != 200:
                return self._send(
                    llm.status, {"error": {"message": "nope", "type": "server_error"}}
                )
            texts = json.loads(body["messages"][-1]["content"])["texts"]
            content = llm.answer(texts)
            self._send(
                200, completion(content, model=body["model"], finish_reason=llm.finish_reason)
            )

    with run_server(Handler) as server:
        llm.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        yield llm
