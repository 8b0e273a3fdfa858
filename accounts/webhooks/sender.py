"""POST a webhook through the scraper's SSRF-safe client (``SafeFetcher``): the same URL checks
and the same pinned connect (every resolved address checked, the socket opened to a checked
one), no environment proxy. Unlike page fetches, redirects are never followed (a 3xx is a
failed attempt) and only the first ``read_bytes`` of the answer are read."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import idna
from django.conf import settings

from core import fetch
from core.errors import FetchFailed

USER_AGENT = "Shopreel-Webhooks/1.0 (+https://shopreel.app/docs/webhooks)"
READ_BYTES = 2048


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: bytes  # at most READ_BYTES
    location: str  # the Location header of a redirect, else ""


class WebhookSender(fetch.SafeFetcher):
    def post(self, url: str, *, body: bytes, headers: dict[str, str], read_bytes: int = READ_BYTES) -> WebhookResponse:
        """POST ``body``; raise ``BlockedURL`` for a refused address, ``FetchFailed`` when no
        answer came (timeout, connection), else return the answer, whatever its status."""
        url = fetch.check_url(url, allow_hosts=self.allow_hosts)
        deadline = time.monotonic() + self.timeout
        # httpx's timeouts are per socket operation: a receiver that trickles its answer a
        # byte at a time never trips them. The watchdog shuts the socket at the deadline, so
        # one attempt lasts ``timeout`` seconds at most, whatever the receiver does.
        watchdog = fetch.Watchdog(self.timeout)
        request = self._client.build_request(
            "POST", url, content=body, timeout=httpx.Timeout(self.timeout),
            headers={**headers, "Content-Type": "application/json", "Accept": "*/*"},
            extensions={"trace": watchdog.trace},
        )
        watchdog.start()
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            watchdog.cancel()
            raise FetchFailed(f"No answer within {self.timeout:g} s.", code="timeout") from None
        except httpx.ConnectError:
            watchdog.cancel()
            raise FetchFailed("Could not connect to the endpoint.", code="connection_failed") from None
        except idna.IDNAError:  # httpx reads a redirect's Location before it returns the answer
            watchdog.cancel()
            raise FetchFailed(
                "The endpoint redirected to an address that is not a valid host name. Redirects are not "
                "followed: register the final URL.",
                code="bad_redirect",
            ) from None
        except httpx.HTTPError:
            watchdog.cancel()
            if watchdog.fired:
                raise FetchFailed(f"No complete answer within {self.timeout:g} s.", code="timeout") from None
            raise FetchFailed("The connection broke off before an answer.", code="connection_failed") from None
        except BaseException:
            watchdog.cancel()
            raise
        received = bytearray()
        try:
            # a body encoded twice (gzip, gzip) would be inflated a whole layer at a time: not read
            chunks = response.iter_bytes() if len(fetch.content_codings(response)) <= 1 else ()
            for chunk in chunks:
                received += chunk
                if len(received) >= read_bytes or time.monotonic() > deadline:
                    break
        except httpx.HTTPError:
            pass  # the status is what counts; the excerpt is a courtesy
        finally:
            watchdog.cancel()
            response.close()
        location = response.headers.get("location", "") if 300 <= response.status_code < 400 else ""
        return WebhookResponse(status=response.status_code, body=bytes(received[:read_bytes]), location=location)


def sender_build() -> WebhookSender:
    return WebhookSender(
        allow_hosts=frozenset(settings.SHOPREEL_FETCH_ALLOW_HOSTS),
        timeout=float(settings.SHOPREEL_WEBHOOK_TIMEOUT),
        user_agent=USER_AGENT,
        resolver=lambda host, port: fetch.system_resolver(host, port),  # looked up per call
    )
