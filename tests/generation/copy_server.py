"""A fake OpenAI-compatible chat-completions server on loopback, for the LLM copywriter.

The wire shape is the real one (``tests.products.translation.llm_server.completion``):
``POST /v1/chat/completions`` in, ``{"choices": [{"message": {"content"}, "finish_reason"}]}``
out. What the "model" writes is a function of the copywriter's request (the JSON of the user
message: facts, hook angle, scenes with their budgets), so a test says how the model behaves
and the real client and checks run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.products.translation.llm_server import JsonHandler, completion
from tests.servers import run_server


@dataclass
class FakeCopywriter:
    """``write(request) -> content``: the text the model answers for the request's JSON."""

    write: Callable[[dict], str]
    delay: float = 0.0
    status: int = 200
    requests: list[dict] = field(default_factory=list)  # each request's body
    base_url: str = ""

    def asked(self, n: int = -1) -> dict:
        """The copywriter's request (the user message's JSON) of request ``n``."""
        return json.loads(self.requests[n]["messages"][-1]["content"])


@contextmanager
def fake_copywriter(write: Callable[[dict], str], **kwargs) -> Iterator[FakeCopywriter]:
    llm = FakeCopywriter(write=write, **kwargs)

    class Handler(JsonHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            llm.requests.append(body)
            if llm.delay:
                time.sleep(llm.delay)
            if llm.status != 200:
                return self._send(llm.status, {"error": {"message": "overloaded", "type": "server_error"}})
            content = llm.write(json.loads(body["messages"][-1]["content"]))
            self._send(200, completion(content, model=body["model"]))

    with run_server(Handler) as server:
        llm.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        yield llm
