"""A client for any OpenAI-compatible chat-completions endpoint that must answer in JSON.

The OpenAI API, vLLM, Ollama (``http://host:11434/v1``) and llama.cpp's server all speak
``POST {base_url}/chat/completions`` with ``{"model", "messages", ...}`` and answer
``{"choices": [{"message": {"content": "..."}, "finish_reason": "stop"}]}``. Framework-free.

The endpoint is configuration (an operator's server, often on a private network), so the
SSRF guard of ``core.fetch`` does not apply; what comes back is still hostile: the body is
capped, every field is checked, and an answer that is not one JSON object is refused.

Errors:

- ``LlmUnavailable``: the endpoint could not be reached, timed out, or answered 429 / 5xx
  (worth trying again later);
- ``LlmRefused``: it answered, but not with what was asked (an HTTP error, another shape,
  a cut-off answer, text that is not one JSON object).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

MAX_ANSWER_BYTES = 1_000_000
_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```$", re.S)


class LlmError(Exception):
    """The model gave no usable answer; the message says why in plain words."""


class LlmUnavailable(LlmError):
    pass


class LlmRefused(LlmError):
    pass


@dataclass(frozen=True)
class LlmEndpoint:
    base_url: str  # ending in /v1 for most servers: https://api.openai.com/v1
    model: str
    api_key: str = ""  # Ollama and llama.cpp need none
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")) or not self.model:
            raise ValueError(
                f"an LLM endpoint needs an http(s) base URL and a model name, got {self.base_url!r} and {self.model!r}"
            )


def chat_json(
    endpoint: LlmEndpoint,
    *,
    system: str,
    user: str,
    client: httpx.Client | None = None,
    max_tokens: int = 2000,
) -> dict[str, Any]:
    """Send one chat request asking for a JSON object and return that object, checked to be one."""
    body = {
        "model": endpoint.model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "temperature": 0,
        "max_tokens": max_tokens,
        "response_format": {"type": "json_object"},
        "stream": False,
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    url = endpoint.base_url.rstrip("/") + "/chat/completions"
    own = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(endpoint.timeout), follow_redirects=False)
    started = time.monotonic()
    try:
        with client.stream(
            "POST", url, json=body, headers=headers, timeout=endpoint.timeout
        ) as response:
            raw = b""
            for chunk in response.iter_bytes():
                raw += chunk
                if time.monotonic() - started > endpoint.timeout:
                    raise httpx.ReadTimeout("the answer is still arriving after the timeout")
                if len(raw) > MAX_ANSWER_BYTES:
                    raise LlmRefused(f"the model's answer is larger than {MAX_ANSWER_BYTES} bytes")
            status = response.status_code
    except httpx.TimeoutException:
        raise LlmUnavailable(
            f"the model at {endpoint.base_url} did not answer within {endpoint.timeout:g} s"
        ) from None
    except httpx.HTTPError as exc:
        raise LlmUnavailable(
            f"the model at {endpoint.base_url} could not be reached ({type(exc).__name__})"
        ) from None
    finally:
        if own:
            client.close()
    if status == 429 or status >= 500:
        raise LlmUnavailable(f"the model at {endpoint.base_url} is busy or failing (HTTP {status})")
    if status in (401, 403):
        raise LlmRefused(
            f"the model at {endpoint.base_url} refused the API key (HTTP {status}); check SHOPREEL_LLM_API_KEY"
        )
    if status != 200:
        raise LlmRefused(f"the model at {endpoint.base_url} answered HTTP {status}")
    return _content_object(raw)


def _content_object(raw: bytes) -> dict[str, Any]:
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise LlmRefused("the model's server did not answer with JSON") from None
    try:
        choice = envelope["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LlmRefused("the model's server answered without choices[0].message.content") from None
    if not isinstance(choice, dict) or not isinstance(content, str):
        raise LlmRefused("the model's answer has no text content")
    if choice.get("finish_reason") == "length":
        raise LlmRefused("the model's answer was cut off (finish_reason: length)")
    text = content.strip()
    fenced = _FENCE.match(text)  # some models wrap JSON in a ``` fence even when asked not to
    if fenced:
        text = fenced.group(1).strip()
    try:
        answer = json.loads(text)
    except ValueError:
        raise LlmRefused("the model's answer is not valid JSON") from None
    if not isinstance(answer, dict):
        raise LlmRefused(f"the model answered a JSON {type(answer).__name__}, not an object")
    return answer
